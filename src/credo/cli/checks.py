"""CLI commands for checks: who checked a subject (the inquiry log, G-24)."""

from __future__ import annotations

import typer

from credo.cli.common import JSON, SCHEME, VALUE, context_from_env, fail, print_json, print_table


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    checks_app = typer.Typer(help="Checks: inquiries and subscriptions.")
    app.add_typer(checks_app, name="checks")

    @checks_app.command("inquiries")
    def inquiries(scheme: str = SCHEME, value: str = VALUE, as_json: bool = JSON) -> None:
        """Every check made about the subject: who, when, for what purpose, with what outcome.
        Exit 1 if no subject has the identifier."""
        from credo.checks.service import inquiries_of
        from credo.subjects.service import find_subject_ids

        ctx = context_from_env()
        with ctx.engine.connect() as conn:
            subject_id = find_subject_ids(conn, [(scheme, value)]).get((scheme, value))
            if subject_id is None:
                fail(f"{scheme}:{value}: no subject has this identifier")
            rows = [
                {key: row[key] for key in INQUIRY_KEYS} for row in inquiries_of(conn, subject_id)
            ]
        if as_json:
            print_json({"subject": f"{scheme}:{value}", "inquiries": rows})
            return
        print_table(
            ("when", "relying party", "purpose", "about", "outcome", "measures", "decision id"),
            [
                (row["at"], row["relying_party_id"], row["purpose"],
                 row["as_of"] if row["as_of"] is not None else "that day", row["outcome"],
                 ", ".join(row["measures"]), row["id"])
                for row in rows
            ],
        )  # fmt: skip


INQUIRY_KEYS = ("id", "at", "relying_party_id", "purpose", "as_of", "outcome", "measures")
