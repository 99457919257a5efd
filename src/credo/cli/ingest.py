"""``credo ingest FILE --mapping MAPPING.yaml``: batch ingestion with a progress bar."""

from __future__ import annotations

from pathlib import Path

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
from rich.table import Table
from rich.text import Text

from credo.cli.common import console, context_from_env, fail
from credo.errors import CredoError
from credo.ingest.service import DEFAULT_CHUNK_SIZE, OUTCOMES, IngestRequest, IngestResult


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.command("ingest")(ingest)


def ingest(
    file: Path = typer.Argument(..., help="CSV (.csv, .csv.gz), JSON Lines or Parquet file"),
    mapping: Path = typer.Option(..., "--mapping", help="The mapping YAML"),
    furnisher: str | None = typer.Option(None, help="Furnisher id (default: the mapping's)"),
    report: Path | None = typer.Option(
        None, help="Where to write the JSON report (default: ./<file name>.report.json)"
    ),
    chunk_size: int = typer.Option(DEFAULT_CHUNK_SIZE, min=1, help="Rows per transaction"),
) -> None:
    """Ingest a file: every row ends accepted, duplicate or quarantined with a reason."""
    from credo.db.migrate import upgrade
    from credo.ingest.mapping import load_mapping
    from credo.ingest.service import ingest_file, write_report

    ctx = context_from_env()
    try:
        parsed, content = load_mapping(mapping)
        request = IngestRequest(file, parsed, content, str(mapping), furnisher, chunk_size)
        upgrade(ctx.settings.database_url)
        with _progress() as progress:
            task = progress.add_task(f"ingest {file.name}", total=None)
            result = ingest_file(
                ctx.engine,
                ctx.write_context(),
                request,
                on_chunk=lambda rows: progress.advance(task, rows),
            )
    except CredoError as exc:
        fail(exc.detail)
    target = report or Path(f"{file.name}.report.json")
    write_report(result, request, target)
    _summary(result, target)


def _progress() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RowsPerSecond(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


class _RowsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text(f"{speed:,.0f} rows/s" if speed else "- rows/s")


def _summary(result: IngestResult, report: Path) -> None:
    table = Table(title=f"run {result.run_id}: {result.rows_read:,} rows read")
    table.add_column("outcome / reason")
    table.add_column("rows", justify="right")
    for outcome in OUTCOMES:
        table.add_row(outcome, f"{result.counts[outcome]:,}")
    for reason, count in sorted(result.reasons.items()):
        table.add_row(f"  {reason}", f"{count:,}")
    console.print(table)
    console.print(f"report: {report}", highlight=False)
    if not result.add_up():
        fail("the counts do not add up to the rows read")
