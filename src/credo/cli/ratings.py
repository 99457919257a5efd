"""``credo rescore`` (batch snapshots) and ``credo rating eval|history`` (a subject, or a file
of them, on any date, as JSON)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Connection

from credo.cli.common import (
    ENGINE,
    JSON,
    context_from_env,
    errors,
    fail,
    parse_date,
    print_json,
    print_json_line,
    print_table,
    read_identifiers,
    say,
)
from credo.context import AppContext
from credo.errors import CredoError

if TYPE_CHECKING:
    from credo.ratings.service import RescoreSummary

rating_app = typer.Typer(help="Ratings: evaluate one subject on any date, with reasons.")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.command("rescore")(rescore)
    app.add_typer(rating_app, name="rating")


def rescore(
    engine: str = ENGINE,
    as_of: str | None = typer.Option(None, "--as-of", help="Date rated (default: today)"),
    partition_records: int | None = typer.Option(
        None,
        "--partition-records",
        min=1,
        help="Batch engines: input records read and rated at a time, bounding memory "
        "(default 500,000)",
    ),
    as_json: bool = JSON,
) -> None:
    """Rate every subject, write new snapshots, validate them and switch atomically.
    Exit 1 if a snapshot failed validation (the previous one stays current)."""
    from credo.ratings.service import PARTITION_RECORDS
    from credo.ratings.service import rescore as run_rescore

    ctx = context_from_env()
    on = parse_date(as_of, "--as-of") or ctx.clock.today()
    try:
        with _progress() as progress:
            task = progress.add_task(f"rescore on {engine}", total=len(ctx.catalogue.ratings))

            def advance(key: str, done: int, total: int) -> None:
                progress.update(task, completed=done, description=f"rescored {key}")

            summaries = run_rescore(
                ctx.engine,
                ctx.catalogue,
                engine_name=engine,
                as_of=on,
                now=ctx.clock.now(),
                progress=advance,
                partition_records=partition_records or PARTITION_RECORDS,
            )
    except CredoError as exc:
        fail(exc.detail)
    if as_json:
        print_json([{**asdict(s), "as_of": on} for s in summaries])
    else:
        for summary in summaries:
            _print_summary(summary, on)
    failed = [s.rating for s in summaries if s.status != "valid"]
    if failed:
        fail(f"{', '.join(failed)}: the snapshot failed validation; the previous one stays current")


def _progress() -> Progress:
    """A progress bar on stderr, shown on a terminal only: stdout keeps the result alone."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, TimeElapsedColumn(), console=errors, disable=not errors.is_terminal)


def _print_summary(summary: RescoreSummary, on: date) -> None:
    bands = sorted(set(summary.before) | set(summary.after))
    print_table(
        ("band", "before", "after"),
        [(b, summary.before.get(b, 0), summary.after.get(b, 0)) for b in bands],
        title=f"{summary.rating}: snapshot {summary.snapshot_id} "
        f"({summary.status}, {summary.subjects} subjects, as of {on})",
        right=("before", "after"),
    )
    if summary.reasons:
        why = ", ".join(f"{reason} {count}" for reason, count in summary.reasons.items())
        say(f"pending or not rated, by reason: {why}")
    for problem in summary.problems:
        say(f"rejected: {summary.rating}: {problem}", style="red")


def _subject(text: str, where: str = "--subject") -> tuple[str, str]:
    scheme, sep, value = text.partition(":")
    if not sep or not scheme or not value:
        fail(f"{where} must be SCHEME:VALUE, not {text!r}")
    return scheme, value


SUBJECT_HELP = "SCHEME:VALUE, e.g. cn_uscc:91110000600037341L"
FROM_HELP = (
    "A file of subjects, one SCHEME:VALUE per line ('-': stdin), instead of --subject: "
    "prints one JSON line per subject"
)


@rating_app.command("eval")
def rating_eval(
    rating: str = typer.Argument(..., help="Rating id or id@version"),
    subject: str | None = typer.Option(None, help=SUBJECT_HELP),
    from_file: Path | None = typer.Option(None, "--from", help=FROM_HELP),
    as_of: str | None = typer.Option(None, "--as-of", help="Date rated (default: today)"),
    known_at: str | None = typer.Option(
        None, "--known-at", help="Use only what was known at this moment (ISO date-time)"
    ),
    as_json: bool = JSON,
) -> None:
    """Print the rating of one subject as JSON (with or without --json): band, reasons,
    records, counterfactual; a pending or not-rated result says why (``reason``) and lists
    every input record looked at, in effect or not, with why not (``looked_at``). With
    --from, one JSON line per subject: {"subject", "result"} or {"subject", "error"}."""
    from credo.ratings.service import evaluate_subject, find_rating

    ctx = context_from_env()
    asked = _subjects(subject, from_file)
    try:
        known = datetime.fromisoformat(known_at) if known_at else None
    except ValueError:
        fail(f"--known-at {known_at!r} is not an ISO date-time")
    on = parse_date(as_of, "--as-of") or ctx.clock.today()
    try:
        definition = find_rating(ctx.catalogue, rating)
    except CredoError as exc:
        fail(exc.detail)

    def evaluate(conn: Connection, subject_id: int) -> dict[str, Any]:
        return evaluate_subject(conn, ctx.catalogue, definition, subject_id, on, known)

    _look_up(ctx, asked, evaluate, batch=from_file is not None)


@rating_app.command("history")
def rating_history(
    rating: str = typer.Argument(..., help="Rating id or id@version"),
    subject: str | None = typer.Option(None, help=SUBJECT_HELP),
    from_file: Path | None = typer.Option(None, "--from", help=FROM_HELP),
    as_json: bool = JSON,
) -> None:
    """Print what the rating was as known then, and is with today's knowledge, as JSON (with
    or without --json); with --from, one JSON line per subject."""
    from credo.ratings.service import find_rating, history

    ctx = context_from_env()
    asked = _subjects(subject, from_file)
    try:
        definition = find_rating(ctx.catalogue, rating)
    except CredoError as exc:
        fail(exc.detail)

    def evaluate(conn: Connection, subject_id: int) -> dict[str, Any]:
        return history(conn, ctx.catalogue, definition, subject_id, ctx.clock.today())

    _look_up(ctx, asked, evaluate, batch=from_file is not None)


def _subjects(subject: str | None, from_file: Path | None) -> list[tuple[str, str]]:
    if (subject is None) == (from_file is None):
        fail("give either --subject SCHEME:VALUE or --from FILE")
    return read_identifiers(from_file) if from_file is not None else [_subject(subject or "")]


def _look_up(
    ctx: AppContext,
    asked: list[tuple[str, str]],
    evaluate: Callable[[Connection, int], dict[str, Any]],
    batch: bool,
) -> None:
    """One subject: its JSON document, or one error line. A batch (--from): one JSON line per
    subject, in the file's order, keyed by ``subject``; a subject that cannot be looked up
    gets ``error`` (its code and detail) and the others go on."""
    from credo.subjects.service import resolve_identifier

    with ctx.engine.connect() as conn:
        for scheme, value in asked:
            key = f"{scheme}:{value}"
            try:
                found = evaluate(conn, resolve_identifier(conn, ctx.catalogue, scheme, value))
            except CredoError as exc:
                if not batch:
                    fail(f"{key}: {exc.detail}")
                print_json_line({"subject": key, "error": {"code": exc.code, "detail": exc.detail}})
                continue
            if batch:
                print_json_line({"subject": key, "result": found})
            else:
                print_json(found)
