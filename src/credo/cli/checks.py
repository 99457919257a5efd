"""CLI commands for checks: who checked a subject (the inquiry log, G-24)."""

from __future__ import annotations

import typer
from rich.table import Table

from credo.cli.common import console, context_from_env, fail


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    checks_app = typer.Typer(help="Checks: inquiries and subscriptions.")
    app.add_typer(checks_app, name="checks")

    @checks_app.command("inquiries")
    def inquiries(
        scheme: str = typer.Argument(..., help="Identifier scheme, e.g. cn_ric"),
        value: str = typer.Argument(..., help="Identifier value"),
    ) -> None:
        """Every check made about the subject: who, when, for what purpose, with what outcome."""
        from credo.checks.service import inquiries_of
        from credo.subjects.repository import find_subject_ids

        ctx = context_from_env()
        with ctx.engine.connect() as conn:
            subject_id = find_subject_ids(conn, [(scheme, value)]).get((scheme, value))
            if subject_id is None:
                fail("no subject has this identifier")
            rows = inquiries_of(conn, subject_id)
        table = Table(
            "when", "relying party", "purpose", "about", "outcome", "measures", "decision id"
        )
        for row in rows:
            about = str(row["as_of"]) if row["as_of"] is not None else "that day"
            table.add_row(
                str(row["at"]), row["relying_party_id"], row["purpose"], about, row["outcome"],
                ", ".join(row["measures"]), row["id"],
            )  # fmt: skip
        console.print(table)
