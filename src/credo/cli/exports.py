"""``credo rating export`` and ``credo lists export``: a rating's results or a list's entries as
CSV, Parquet or JSON Lines, streamed and audited (credo.exports, G-50)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, cast

import orjson
import typer

from credo.cli.common import cli_actor, console, context_from_env, errors, fail, print_json
from credo.errors import CredoError

FORMAT_HELP = "csv, parquet or jsonl"
OUT_HELP = "Write to this file (written whole or not at all); default: standard output"
AGGREGATE_HELP = (
    "Write the counts of what does not leave one by one (per subject kind, small cells "
    "suppressed, G-50) instead of the rows"
)
JSON_HELP = "Print the summary as JSON (on standard error when the data goes to standard output)"


def register(app: typer.Typer) -> None:
    """Add ``export`` to the ``rating`` and ``lists`` groups of the root app."""
    groups = {info.name: info.typer_instance for info in app.registered_groups}
    rating_app, lists_app = groups.get("rating"), groups.get("lists")
    if rating_app is None or lists_app is None:
        raise RuntimeError("register the rating and lists commands before exports")
    rating_app.command("export")(rating_export)
    lists_app.command("export")(lists_export)


def rating_export(
    rating: str = typer.Argument(..., help="The rating's id (or id@version)"),
    as_of: datetime | None = typer.Option(
        None,
        "--as-of",
        formats=["%Y-%m-%d"],
        help="Evaluate on this date by the effect rules (default: the current state)",
    ),
    fmt: str = typer.Option(..., "--format", help=FORMAT_HELP),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
    aggregate: bool = typer.Option(False, "--aggregate", help=AGGREGATE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Export a rating's results: organisations and public bodies one by one (a public
    rating), natural persons only as counts per band with small cells suppressed."""
    from credo.exports.service import rating_plan

    _run(lambda ctx: rating_plan(ctx.catalogue, rating, _day(as_of), ctx.clock.today()),
         fmt, out, aggregate, as_json)  # fmt: skip


def lists_export(
    list_id: str = typer.Argument(..., help="The list's id"),
    on: datetime | None = typer.Option(
        None, formats=["%Y-%m-%d"], help="The entries in effect on this date (default today)"
    ),
    fmt: str = typer.Option(..., "--format", help=FORMAT_HELP),
    out: Path | None = typer.Option(None, "--out", help=OUT_HELP),
    aggregate: bool = typer.Option(False, "--aggregate", help=AGGREGATE_HELP),
    as_json: bool = typer.Option(False, "--json", help=JSON_HELP),
) -> None:
    """Export a public list's entries exactly as the public register shows them (masked
    identifiers); a list that is not public only as counts."""
    from credo.exports.service import list_plan

    _run(lambda ctx: list_plan(ctx.catalogue, list_id, _day(on), ctx.clock.today()),
         fmt, out, aggregate, as_json)  # fmt: skip


def _day(value: datetime | None) -> date | None:
    return value.date() if value else None


def _run(
    plan_of: Callable[[Any], Any], fmt: str, out: Path | None, aggregate: bool, as_json: bool
) -> None:
    from credo.exports.service import export
    from credo.exports.writers import FORMATS, Format

    if fmt not in FORMATS:
        fail(f"--format {fmt!r} is not one of {', '.join(FORMATS)}")
    chosen = cast(Format, fmt)
    ctx = context_from_env()
    actor = cli_actor()
    mode: Literal["rows", "aggregate"] = "aggregate" if aggregate else "rows"
    try:
        plan = plan_of(ctx)
        if out is None:
            summary = export(ctx, actor, plan, chosen, sys.stdout.buffer, mode)
        else:
            summary = _to_file(out, lambda f: export(ctx, actor, plan, chosen, f, mode))
    except CredoError as exc:
        fail(exc.detail)
    report = summary.as_json() | {"out": str(out) if out else None}
    if as_json:
        if out is None:  # the data holds standard output
            sys.stderr.write(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode() + "\n")
        else:
            print_json(report)
        return
    where = console if out is not None else errors
    cells = report["withheld"]
    where.print(
        f"exported {report['rows']} {'cells' if aggregate else 'rows'} of {plan.what} "
        f"{plan.name} ({'as of' if plan.what == 'rating' else 'on'} {plan.on.isoformat()}) "
        f"to {out or 'standard output'}; withheld as aggregate: {cells['total_shown']} "
        f"shown, {cells['suppressed']} cell(s) suppressed; audit entry {report['audit_seq']}",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


def _to_file(out: Path, write: Callable[[Any], Any]) -> Any:
    """Write through a temporary file beside ``out`` and rename it into place once the export
    is complete (and audited): a failed export leaves no file behind."""
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        with partial.open("wb") as handle:
            result = write(handle)
        partial.replace(out)
    except OSError as exc:
        with suppress(OSError):
            partial.unlink()
        fail(f"cannot write {out}: {exc.strerror}")
    except BaseException:
        with suppress(OSError):
            partial.unlink()
        raise
    return result
