"""CLI commands for lists: a subject's list entries on any date."""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path
from typing import Any

import typer
from sqlalchemy import Connection

from credo.cli.common import (
    JSON,
    context_from_env,
    fail,
    print_json,
    print_json_line,
    print_table,
    read_identifiers,
    say,
)
from credo.context import AppContext
from credo.lists.evaluate import Entry


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    lists_app = typer.Typer(help="Lists: entries derived from records, for any date.")
    app.add_typer(lists_app, name="lists")

    @lists_app.command("entries")
    def entries(
        scheme: str | None = typer.Argument(
            None, help="Identifier scheme, e.g. cn_ric (with --from: the scheme of every line)"
        ),
        values: list[str] | None = typer.Argument(None, help="One or more identifier values"),
        on: list[datetime] | None = typer.Option(
            None, formats=["%Y-%m-%d"], help="Date (default today); repeat for several"
        ),
        questions: Path | None = typer.Option(
            None,
            help="A CSV file of questions with the columns 'value' and 'on' (YYYY-MM-DD; "
            "empty: the --on dates): e.g. every supplier of a year's awards on its award day",
        ),
        from_file: Path | None = typer.Option(
            None,
            "--from",
            help="A file of subjects, one per line: SCHEME:VALUE, or VALUE when SCHEME is "
            "given ('-': stdin); prints one JSON line per subject and date",
        ),
        as_json: bool = JSON,
    ) -> None:
        """Show subjects' list entries and their status on one or more dates (point in time).
        Several identifiers, a file of questions or a file of subjects (--from) screen many
        in one run."""
        ctx = context_from_env()
        days: list[date] = [d.date() for d in on] if on else [ctx.clock.today()]
        asked = _asked(scheme, values or [], days, questions, from_file)
        with ctx.engine.connect() as conn:
            answers = _answers(conn, ctx, asked)
        if from_file is not None:
            for answer in answers:
                print_json_line(answer)
            return
        if len(answers) == 1 and answers[0]["subject_id"] is None and not as_json:
            fail(f"{answers[0]['identifier']}: no subject has this identifier (no records)")
        if as_json:
            print_json({"answers": answers})
            return
        for answer in answers:
            _print_answer(answer)


Asked = list[tuple[str, str, date]]  # (scheme, value, day)


def _asked(
    scheme: str | None,
    values: list[str],
    days: list[date],
    questions: Path | None,
    from_file: Path | None,
) -> Asked:
    """Every (scheme, value, day) asked, in order; one line of error if nothing is."""
    if (values or questions is not None) and scheme is None:
        fail("give the identifier scheme (SCHEME) before identifier values or --questions")
    asked: Asked = [(scheme, v, d) for v in values for d in days] if scheme else []
    if questions is not None and scheme is not None:
        asked += [(scheme, v, d) for v, d in _read_questions(questions, days)]
    if from_file is not None:
        asked += [(s, v, d) for s, v in read_identifiers(from_file, scheme) for d in days]
    if not asked:
        fail("give identifier values, --questions FILE or --from FILE")
    return asked


def _answers(conn: Connection, ctx: AppContext, asked: Asked) -> list[dict[str, Any]]:
    """One answer per question; every subject is looked up and derived once."""
    from credo.lists.service import entries_for
    from credo.subjects.service import find_subject_ids

    keys = sorted({(s, v) for s, v, _ in asked})
    known = find_subject_ids(conn, keys)
    derived = entries_for(conn, ctx.catalogue, sorted(set(known.values())))
    return [
        _answer(s, v, known.get((s, v)), derived.get(known.get((s, v)) or 0, []), day)
        for s, v, day in asked
    ]


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


ENTRY_COLUMNS = ("list", "status", "notified", "effective", "ends", "ends because", "records")


def _print_answer(answer: dict[str, Any]) -> None:
    rows = [
        (e["list"], e["status"], e["notified_on"], e["effective_on"], e["ends_on"],
         e["ends_because"], ", ".join(e["records"]))
        for e in answer["entries"]
    ]  # fmt: skip
    n = len(rows)
    who = answer["subject_id"] or "none (no subject has this identifier)"
    count = f"{n} entr{'y' if n == 1 else 'ies'}"
    say(f"{answer['identifier']}: subject {who} on {answer['on']}: {count}")
    print_table(ENTRY_COLUMNS, rows)


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
