"""CLI commands for lists: a subject's list entries on any date."""

from __future__ import annotations

from datetime import date, datetime

import typer
from rich.table import Table

from credo.cli.common import console, context_from_env, fail, print_json
from credo.lists.engine import Entry


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    lists_app = typer.Typer(help="Lists: entries derived from records, for any date.")
    app.add_typer(lists_app, name="lists")

    @lists_app.command("entries")
    def entries(
        scheme: str = typer.Argument(..., help="Identifier scheme, e.g. cn_ric"),
        value: str = typer.Argument(..., help="Identifier value"),
        on: datetime | None = typer.Option(None, formats=["%Y-%m-%d"], help="Date (default today)"),
        as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    ) -> None:
        """Show the subject's list entries and their status on a date (point in time)."""
        from credo.lists.service import entries_on
        from credo.subjects.repository import find_subject_ids

        ctx = context_from_env()
        day: date = on.date() if on else ctx.clock.today()
        with ctx.engine.connect() as conn:
            subject_id = find_subject_ids(conn, [(scheme, value)]).get((scheme, value))
            if subject_id is None:
                fail("no subject has this identifier (no records)")
            found = entries_on(conn, ctx.catalogue, subject_id, day)
        if as_json:
            print_json(
                {
                    "subject_id": subject_id,
                    "on": day.isoformat(),
                    "entries": [_entry_json(entry, status) for entry, status in found],
                }
            )
            return
        table = Table("list", "status", "notified", "effective", "ends", "ends because", "records")
        for entry, status in found:
            table.add_row(
                entry.list_id, status, str(entry.starts_on), str(entry.effective_on),
                str(entry.ends_on), entry.end_reason, ", ".join(r.record_id for r in entry.records),
            )  # fmt: skip
        console.print(
            f"subject {subject_id} on {day}: {len(found)} entr{'y' if len(found) == 1 else 'ies'}"
        )
        console.print(table)


def _entry_json(entry: Entry, status: str) -> dict[str, object]:
    return {
        "list": entry.list_id,
        "status": status,
        "notified_on": entry.starts_on.isoformat(),
        "effective_on": entry.effective_on.isoformat(),
        "ends_on": entry.ends_on.isoformat(),
        "ends_because": entry.end_reason,
        "records": [r.record_id for r in entry.records],
    }
