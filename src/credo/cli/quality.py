"""``credo furnishers quality [--json]`` and ``credo furnishers release ID --reasons TEXT``:
the furnisher-quality rates stored by ``credo jobs run`` and the operator's release (G-49)."""

from __future__ import annotations

from typing import Any

import typer

from credo.cli.common import JSON, cli_actor, context_from_env, fail, print_json, print_table, say
from credo.errors import CredoError
from credo.quality import service


def register(app: typer.Typer) -> None:
    furnishers_app = typer.Typer(help="Furnishers: quality rates and holds (G-49).")
    app.add_typer(furnishers_app, name="furnishers")

    @furnishers_app.command("quality")
    def quality(as_json: bool = JSON) -> None:
        """Each furnisher's dispute, correction, overturn and late-response rates over the
        catalogue's window, as of the last `credo jobs run`, and whether it is held."""
        ctx = context_from_env()
        with ctx.engine.connect() as conn:
            rows = [service.jsonable(r, ctx.catalogue) for r in service.quality_rows(conn)]
        if as_json:
            print_json(rows)
            return
        if not rows:
            say("no evaluation yet: run `credo jobs run`")
            return
        _table(rows)
        for row in rows:
            if row["held"]:
                since = row["held_since"][:10]
                say(f"{row['furnisher_id']} held since {since}: {row['hold_reason']}")

    @furnishers_app.command("release")
    def release(
        furnisher_id: str = typer.Argument(..., help="The held furnisher"),
        reasons: str = typer.Option(..., help="What the review found (audited)"),
        as_json: bool = JSON,
    ) -> None:
        """Lift a furnisher's hold with written reasons; the audit log keeps who and why."""
        ctx = context_from_env()
        try:
            with ctx.engine.begin() as conn:
                service.release(conn, ctx.clock, furnisher_id, cli_actor(), reasons)
        except CredoError as exc:
            fail(f"{furnisher_id}: {exc.detail}")
        if as_json:
            print_json({"furnisher_id": furnisher_id, "released": True})
        else:
            say(f"released {furnisher_id}")


def _table(rows: list[dict[str, Any]]) -> None:
    print_table(
        ("furnisher", "records", "dispute", "correct", "overturn", "late", "state"),
        [
            (
                row["furnisher_id"],
                row["records"],
                *(_share(row[rate]) for rate in service.RATES),
                "HELD" if row["held"] else "ok",
            )
            for row in rows
        ],
        right=("records", "dispute", "correct", "overturn", "late"),
    )


def _share(value: float | None) -> str:
    return "-" if value is None else service.percent(value)
