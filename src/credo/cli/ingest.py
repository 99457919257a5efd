"""``credo ingest FILE --mapping MAPPING.yaml``: batch ingestion with a progress bar;
``--snapshot``: the file is the furnisher's complete current list (credo.ingest.snapshot);
``credo ingest snapshots|snapshot-apply ID|snapshot-reject ID``: held deliveries.

Exit status of a file ingestion: 0 every row accepted or a duplicate, 2 some rows quarantined
(the report lists them), 1 failed (the mapping or the file is unusable, the file could not be
read to its end, or, without ``--allow-empty``, it held no rows or none was accepted)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text
from typer.core import TyperGroup

from credo.cli import common
from credo.cli.common import JSON, context_from_env, errors, fail, print_json, print_table, say
from credo.context import AppContext
from credo.errors import CredoError
from credo.ingest.service import (
    DEFAULT_CHUNK_SIZE,
    OUTCOMES,
    IngestFailed,
    IngestRequest,
    IngestResult,
    report_head,
)
from credo.ingest.snapshot import DEFAULT_MAX_DELIST_SHARE, SnapshotResult

HELD_EXIT = 3  # a held delivery: nothing applied, an operator decides
QUARANTINED_EXIT = 2  # the run finished, some rows are quarantined: the report says which


class _FileByDefault(TyperGroup):
    """``credo ingest FILE ...`` runs the ``file`` command; the other words are subcommands."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["file", *args]
        return super().parse_args(ctx, args)


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    ingest_app = typer.Typer(
        cls=_FileByDefault,
        no_args_is_help=True,
        help="Ingest a furnisher's file (`credo ingest FILE --mapping M.yaml [--snapshot]`) "
        "and decide on held full-list deliveries.",
    )
    app.add_typer(ingest_app, name="ingest")
    ingest_app.command("file")(ingest)
    ingest_app.command("snapshots")(snapshots)
    ingest_app.command("snapshot-apply")(snapshot_apply)
    ingest_app.command("snapshot-reject")(snapshot_reject)


def ingest(
    file: Path = typer.Argument(..., help="CSV (.csv, .csv.gz), JSON Lines or Parquet file"),
    mapping: Path = typer.Option(..., "--mapping", help="The mapping YAML"),
    furnisher: str | None = typer.Option(None, help="Furnisher id (default: the mapping's)"),
    report: Path | None = typer.Option(
        None, help="Where to write the JSON report (default: ./<file name>.report.json)"
    ),
    chunk_size: int = typer.Option(DEFAULT_CHUNK_SIZE, min=1, help="Rows per transaction"),
    allow_empty: bool = typer.Option(
        False,
        "--allow-empty",
        help="A file with no rows, or with no row accepted, is not a failure (exit 0, or 2 "
        "when rows were quarantined)",
    ),
    snapshot: bool = typer.Option(
        False,
        "--snapshot",
        help="The file is the furnisher's complete current list of its record type(s): "
        "entries on record are re-confirmed, entries absent are delisted, all in one "
        "transaction; held instead when it would delist too many",
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="--snapshot: the delivery date, YYYY-MM-DD (default: today)"
    ),
    max_delist_share: float = typer.Option(
        DEFAULT_MAX_DELIST_SHARE,
        min=0.0,
        max=1.0,
        help="--snapshot: hold the delivery if it would delist more than this share of the "
        "furnisher's entries in effect",
    ),
    record_type: list[str] = typer.Option(
        [],
        "--record-type",
        help="--snapshot: the record types the file is the complete list of (default: the "
        "mapping's record_type; required with record_type_column)",
    ),
    as_json: bool = JSON,
) -> None:
    """Ingest a file: every row ends accepted, duplicate or quarantined with a reason.
    Exit 0: all accepted or duplicates; 2: some quarantined; 1: failed; --snapshot: 3 held."""
    from credo.db.migrate import upgrade
    from credo.ingest.mapping import load_mapping
    from credo.ingest.service import ingest_file, write_report

    ctx = context_from_env()
    target = report or Path(f"{file.name}.report.json")
    if snapshot:
        options = (as_of, max_delist_share, record_type, as_json)
        _snapshot(ctx, file, mapping, furnisher, target, *options)
        return
    if as_of or record_type:
        fail("--as-of and --record-type apply to --snapshot deliveries only")
    try:
        parsed, content = load_mapping(mapping)
        request = IngestRequest(
            file, parsed, content, str(mapping), furnisher, chunk_size, allow_empty
        )
        upgrade(ctx.settings.database_url)
        started = time.perf_counter()
        with _progress() as progress:
            task = progress.add_task(f"ingest {file.name}", total=None)
            result = ingest_file(
                ctx.engine,
                ctx.write_context(),
                request,
                on_chunk=lambda rows: progress.advance(task, rows),
            )
    except IngestFailed as exc:
        result = exc.result  # the run started: its report is written like any other
    except CredoError as exc:
        fail(exc.detail)
    seconds = time.perf_counter() - started
    write_report(result, request, target)
    if as_json:
        print_json(_summary_json(result, request, target, seconds))
    else:
        _summary(result, target, seconds)
    _exit(result)


def _exit(result: IngestResult) -> None:
    if result.failed:
        fail(result.error or "the run failed")
    if not result.add_up():
        fail(f"run {result.run_id}: the counts do not add up to the rows read")
    if result.counts["quarantined"]:
        raise typer.Exit(QUARANTINED_EXIT)


def _snapshot(
    ctx: AppContext,
    file: Path,
    mapping: Path,
    furnisher: str | None,
    target: Path,
    as_of: str | None,
    max_delist_share: float,
    record_types: list[str],
    as_json: bool,
) -> None:
    from credo.db.migrate import upgrade
    from credo.ingest.mapping import load_mapping
    from credo.ingest.service import resolve_furnisher
    from credo.ingest.snapshot import (
        deliver,
        read_file_delivery,
        snapshot_types,
        write_snapshot_report,
    )

    try:
        delivered_on = common.parse_date(as_of, "--as-of") or ctx.clock.today()
        parsed, content = load_mapping(mapping)
        furnisher_id = resolve_furnisher(parsed, furnisher)
        types = snapshot_types(parsed, record_types)
        upgrade(ctx.settings.database_url)
        with errors.status(f"reading {file.name}"):
            delivery = read_file_delivery(
                ctx.write_context(),
                file,
                parsed,
                content,
                furnisher_id,
                types,
                delivered_on,
                created_by=common.cli_actor(),
                max_delist_share=max_delist_share,
            )
        with errors.status(f"delivering {len(delivery.rows):,} rows as of {delivered_on}"):
            result = deliver(ctx.engine, ctx.write_context(), delivery)
    except CredoError as exc:
        fail(exc.detail)
    write_snapshot_report(result, str(file), target)
    _snapshot_summary(result, target, as_json)


def _snapshot_summary(result: SnapshotResult, report: Path | None, as_json: bool) -> None:
    """The delivery's counts (a table, or JSON), then its exit: 3 held, 1 rejected before."""
    if as_json:
        print_json({**result.summary(), "report": None if report is None else str(report)})
    else:
        _print_snapshot(result, report)
    if result.status == "held":
        if not as_json:
            again = " (this same delivery was already held)" if result.repeated else ""
            say(
                f"held{again}: nothing was applied; an operator may apply it "
                f"(`credo ingest snapshot-apply {result.delivery_id}`) or reject it "
                f"(`credo ingest snapshot-reject {result.delivery_id}`)",
                style="yellow",
            )
        raise typer.Exit(HELD_EXIT)
    if result.status == "rejected":
        fail(f"this same delivery was rejected before (delivery {result.delivery_id})")
    if not result.add_up():
        fail(f"delivery {result.delivery_id}: the counts do not add up to the rows read")


def _print_snapshot(result: SnapshotResult, report: Path | None) -> None:
    c = result.counts
    say(
        f"full list of {result.furnisher_id} ({', '.join(result.record_types)}) as of "
        f"{result.delivered_on}"
    )
    planned = "" if result.status == "applied" else " (planned)"
    more = [
        ("entries named by the file", c["present"]),
        ("entries in effect before", c["in_effect"]),
        (f"new{planned}", c["new"]),
        (f"confirmed{planned}", c["confirmed"]),
        (f"delisted{planned}", c["delisted"]),
    ]
    if c["delist_refused"]:
        more.append(("delistings refused", c["delist_refused"]))
    _print_outcomes(
        f"delivery {result.delivery_id}: {result.status}",
        ("rows read", c["rows_read"]),
        {f"{outcome}{planned}": c[outcome] for outcome in OUTCOMES},
        result.reasons,
        more,
    )
    say(f"delisting share {result.delist_share:.1%} (limit {result.max_delist_share:.1%})")
    if report is not None:
        say(f"report: {report}")


def snapshots(
    status: str | None = typer.Option(None, help="held, applied or rejected"),
    furnisher: str | None = typer.Option(None, help="Only this furnisher's deliveries"),
    as_json: bool = JSON,
) -> None:
    """Full-list deliveries, newest first."""
    from credo.ingest.snapshot import list_deliveries

    ctx = context_from_env()
    with ctx.engine.connect() as conn:
        rows = list_deliveries(conn, status=status, furnisher_id=furnisher)
    if as_json:
        print_json([{k: _plain(v) for k, v in r.items()} for r in rows])
        return
    columns = ("id", "furnisher_id", "record_types", "delivered_on", "status", "rows_read")
    counts = ("in_effect", "new", "confirmed", "delisted", "quarantined", "decided_by")
    print_table(
        (*columns, *counts),
        [[_plain(r[name]) for name in (*columns, *counts)] for r in rows],
        title="full-list deliveries",
    )


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return ",".join(map(str, value))
    return value.isoformat() if hasattr(value, "isoformat") else value


def snapshot_apply(
    delivery_id: int = typer.Argument(..., help="The held delivery's id"),
    by: str | None = typer.Option(None, help="Who decides (default: cli:<user>)"),
    report: Path | None = typer.Option(None, help="Where to write the JSON report"),
    as_json: bool = JSON,
) -> None:
    """Apply a held full-list delivery, planned again against the registry as it is now."""
    _decide(delivery_id, "apply", by, report, as_json)


def snapshot_reject(
    delivery_id: int = typer.Argument(..., help="The held delivery's id"),
    by: str | None = typer.Option(None, help="Who decides (default: cli:<user>)"),
    as_json: bool = JSON,
) -> None:
    """Reject a held full-list delivery: nothing of it is applied."""
    _decide(delivery_id, "reject", by, None, as_json)


def _decide(
    delivery_id: int, decision: str, by: str | None, report: Path | None, as_json: bool
) -> None:
    from credo.db.migrate import upgrade
    from credo.ingest.snapshot import decide, write_snapshot_report

    ctx = context_from_env()
    try:
        upgrade(ctx.settings.database_url)
        result = decide(
            ctx.engine, ctx.write_context(), delivery_id, decision, by or common.cli_actor()
        )
    except CredoError as exc:
        fail(exc.detail)
    if report is not None:
        write_snapshot_report(result, f"delivery {delivery_id}", report)
    if decision == "reject":
        if as_json:
            print_json(result.summary())
        else:
            say(f"delivery {delivery_id}: rejected; nothing of it was applied")
        return
    _snapshot_summary(result, report, as_json)


def _progress() -> Progress:
    """On stderr, and only when it is a terminal: stdout keeps the summary alone."""
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RowsPerSecond(),
        TimeElapsedColumn(),
        console=errors,
        transient=False,
        disable=not errors.is_terminal,
    )


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s")


def _summary_json(
    result: IngestResult, request: IngestRequest, report: Path, seconds: float
) -> dict[str, Any]:
    """The head of the run's report (its quarantined rows stay in the report file)."""
    return {**report_head(result, request), "report": str(report), "seconds": round(seconds, 3)}


def _summary(result: IngestResult, report: Path, seconds: float) -> None:
    _print_outcomes(
        f"run {result.run_id} {result.status}: {result.rows_read:,} rows read",
        ("lines read", result.lines_read),
        {outcome: result.counts[outcome] for outcome in OUTCOMES},
        result.reasons,
        [("not reached", result.not_reached)] if result.not_reached else [],
    )
    speed = f"{result.rows_read / seconds:,.0f} rows/s" if seconds > 0 else "- rows/s"
    say(f"{seconds:.1f} s, {speed}")
    say(f"report: {report}")


def _print_outcomes(
    title: str,
    read: tuple[str, int],
    outcomes: Mapping[str, int],
    reasons: Mapping[str, int],
    more: Sequence[tuple[str, int]],
) -> None:
    """A run's or a delivery's rows: how many were read, each outcome with the quarantine
    reasons under it, then ``more``."""
    rows = [read, *outcomes.items()]
    rows += [(f"  {reason}", count) for reason, count in sorted(reasons.items())]
    print_table(
        ("outcome / reason", "rows"),
        [(label, f"{count:,}") for label, count in [*rows, *more]],
        title=title,
        right=("rows",),
    )
