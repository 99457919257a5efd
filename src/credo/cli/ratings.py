"""``credo rescore`` (batch snapshots) and ``credo rating eval|history`` (one subject, any
date, as JSON)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from credo.cli.common import console, context_from_env, fail, print_json
from credo.errors import CredoError

rating_app = typer.Typer(help="Ratings: evaluate one subject on any date, with reasons.")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.command("rescore")(rescore)
    app.add_typer(rating_app, name="rating")


def _date(text: str | None) -> Any:
    from datetime import date

    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{text!r} is not a date (YYYY-MM-DD)")


def rescore(
    engine: str = typer.Option(
        "polars", help="polars (embedded), duckdb, spark, or the database: sqlite, postgres"
    ),
    as_of: str | None = typer.Option(None, "--as-of", help="Date rated (default: today)"),
) -> None:
    """Rate every subject, write new snapshots, validate them and switch atomically."""
    from credo.ratings.service import rescore as run_rescore

    ctx = context_from_env()
    on = _date(as_of) or ctx.clock.today()
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console) as progress:
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
            )
    except CredoError as exc:
        fail(exc.detail)
    for summary in summaries:
        table = Table(
            title=f"{summary.rating}: snapshot {summary.snapshot_id} "
            f"({summary.status}, {summary.subjects} subjects, as of {on})"
        )
        table.add_column("band")
        table.add_column("before", justify="right")
        table.add_column("after", justify="right")
        for band in sorted(set(summary.before) | set(summary.after)):
            table.add_row(band, str(summary.before.get(band, 0)), str(summary.after.get(band, 0)))
        console.print(table)
        if summary.reasons:
            why = ", ".join(f"{reason} {count}" for reason, count in summary.reasons.items())
            console.print(f"pending or not rated, by reason: {why}")
        for problem in summary.problems:
            console.print(f"[red]rejected[/]: {problem}")
    if any(s.status != "valid" for s in summaries):
        fail("a snapshot failed validation; the previous snapshot stays current")


def _subject(text: str) -> tuple[str, str]:
    scheme, sep, value = text.partition(":")
    if not sep or not scheme or not value:
        fail(f"--subject must be SCHEME:VALUE, not {text!r}")
    return scheme, value


@rating_app.command("eval")
def rating_eval(
    rating: str = typer.Argument(..., help="Rating id or id@version"),
    subject: str = typer.Option(..., help="SCHEME:VALUE, e.g. cn_uscc:91110000600037341L"),
    as_of: str | None = typer.Option(None, "--as-of", help="Date rated (default: today)"),
    known_at: str | None = typer.Option(
        None, "--known-at", help="Use only what was known at this moment (ISO date-time)"
    ),
) -> None:
    """Print the rating of one subject as JSON: band, reasons, records, counterfactual; a
    pending or not-rated result says why (``reason``) and lists every input record looked at,
    in effect or not, with why not (``looked_at``)."""
    from credo.ratings.service import evaluate_subject, find_rating
    from credo.subjects.service import resolve_identifier

    ctx = context_from_env()
    scheme, value = _subject(subject)
    try:
        known = datetime.fromisoformat(known_at) if known_at else None
    except ValueError:
        fail(f"--known-at {known_at!r} is not an ISO date-time")
    try:
        definition = find_rating(ctx.catalogue, rating)
        with ctx.engine.connect() as conn:
            subject_id = resolve_identifier(conn, ctx.catalogue, scheme, value)
            on = _date(as_of) or ctx.clock.today()
            result = evaluate_subject(conn, ctx.catalogue, definition, subject_id, on, known)
    except CredoError as exc:
        fail(exc.detail)
    print_json(result)


@rating_app.command("history")
def rating_history(
    rating: str = typer.Argument(..., help="Rating id or id@version"),
    subject: str = typer.Option(..., help="SCHEME:VALUE"),
) -> None:
    """Print what the rating was as known then, and is with today's knowledge, as JSON."""
    from credo.ratings.service import find_rating, history
    from credo.subjects.service import resolve_identifier

    ctx = context_from_env()
    scheme, value = _subject(subject)
    try:
        definition = find_rating(ctx.catalogue, rating)
        with ctx.engine.connect() as conn:
            subject_id = resolve_identifier(conn, ctx.catalogue, scheme, value)
            result = history(conn, ctx.catalogue, definition, subject_id, ctx.clock.today())
    except CredoError as exc:
        fail(exc.detail)
    print_json(result)
