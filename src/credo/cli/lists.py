"""CLI commands for lists: a subject's list entries on any date."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

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
        values: list[str] | None = typer.Argument(None, help="One or more identifier values"),
        on: list[datetime] | None = typer.Option(
            None, formats=["%Y-%m-%d"], help="Date (default today); repeat for several"
        ),
        questions: Path | None = typer.Option(
            None,
            help="A CSV file of questions with the columns 'value' and 'on' (YYYY-MM-DD; "
            "empty: the --on dates): e.g. every supplier of a year's awards on its award day",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON"),
    ) -> None:
        """Show subjects' list entries and their status on one or more dates (point in time).
        Several identifiers, or a file of questions, screen many suppliers in one run."""
        from credo.lists.service import entries_for
        from credo.subjects.repository import find_subject_ids

        ctx = context_from_env()
        days: list[date] = [d.date() for d in on] if on else [ctx.clock.today()]
        asked = [(v, d) for v in values or [] for d in days]
        if questions is not None:
            asked += _read_questions(questions, days)
        if not asked:
            fail("give identifier values or --questions FILE")
        wanted = sorted({v for v, _ in asked})
        with ctx.engine.connect() as conn:
            known = find_subject_ids(conn, [(scheme, v) for v in wanted])
            ids = {v: known.get((scheme, v)) for v in wanted}
            if len(asked) == 1 and ids[asked[0][0]] is None and not as_json:
                fail("no subject has this identifier (no records)")
            derived = entries_for(conn, ctx.catalogue, [i for i in ids.values() if i is not None])
        answers = [
            _answer(scheme, value, ids[value], derived.get(ids[value] or 0, []), day)
            for value, day in asked
        ]
        if as_json:
            print_json({"answers": answers})
            return
        for answer in answers:
            _print_answer(answer)


def _read_questions(path: Path, days: list[date]) -> list[tuple[str, date]]:
    """(value, day) per row; a bad row is an error naming its line, never skipped."""
    asked: list[tuple[str, date]] = []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for line, row in enumerate(csv.DictReader(handle), start=2):
                value, day = (row.get("value") or "").strip(), (row.get("on") or "").strip()
                if not value:
                    fail(f"{path}:{line}: the column 'value' is empty or missing")
                try:
                    asked += (
                        [(value, date.fromisoformat(day))] if day else [(value, d) for d in days]
                    )
                except ValueError:
                    fail(f"{path}:{line}: 'on' {day!r} is not a date (YYYY-MM-DD)")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    return asked


def _answer(
    scheme: str, value: str, subject_id: int | None, found: list[Entry], day: date
) -> dict[str, Any]:
    from credo.lists.service import statuses_on

    entries = statuses_on(found, day)
    return {
        "identifier": f"{scheme}:{value}",
        "subject_id": subject_id,
        "on": day.isoformat(),
        "entries": [_entry_json(entry, status) for entry, status in entries],
        **({} if subject_id is not None else {"problem": "no subject has this identifier"}),
    }


def _print_answer(answer: dict[str, Any]) -> None:
    table = Table("list", "status", "notified", "effective", "ends", "ends because", "records")
    for e in answer["entries"]:
        table.add_row(
            e["list"], e["status"], e["notified_on"], e["effective_on"], e["ends_on"],
            e["ends_because"], ", ".join(e["records"]),
        )  # fmt: skip
    n = len(answer["entries"])
    who = answer["subject_id"] or f"{answer['identifier']} (no subject has this identifier)"
    console.print(f"subject {who} on {answer['on']}: {n} entr{'y' if n == 1 else 'ies'}")
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
