"""``credo demo``: build the demo city in CREDO_DATABASE_URL and serve the API and portal."""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from credo.cli.common import console, context_from_env, fail
from credo.context import AppContext
from credo.demo.build import DemoSummary, build_demo
from credo.demo.population import SIZES, DemoSize
from credo.errors import CredoError

NYC_FILE = Path("../shared/data/nyc-restaurant-inspections/nyc_violations.csv.gz")
NYC_MAPPING = Path("mappings/nyc_restaurant_inspections.yaml")
NYC_ROWS = 480_621
# The demo's audit signing key and its first checkpoint, next to the database and outside it.
AUDIT_KEY = Path("credo-audit-key.pem")
CHECKPOINT = Path("credo-checkpoint.json")


def register(app: typer.Typer) -> None:
    """Add this domain's commands to the root app."""
    app.command("demo")(demo)


def demo(
    port: int = typer.Option(8000, help="Port to serve on (127.0.0.1)"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve after building"),
    size: str = typer.Option(
        "full",
        help="full (100,000 persons, 20,000 organisations, 300 public bodies, about 2 M "
        "records: a few minutes), small (12,000 subjects, 200,000 records) or tiny (tests)",
    ),
    persons: int | None = typer.Option(None, min=1, help="Override the number of persons"),
    organisations: int | None = typer.Option(None, min=1, help="Override the organisations"),
    public_bodies: int | None = typer.Option(None, min=0, help="Override the public bodies"),
    seed: int = typer.Option(2026, help="Seed: the same seed and day give the same city"),
    workers: int = typer.Option(
        min(2, os.cpu_count() or 1), min=1, help="Loading processes (1: load in this process)"
    ),
    with_nyc: bool = typer.Option(False, help="Also ingest the real NYC inspections"),
    nyc_file: Path = typer.Option(NYC_FILE, help="The NYC inspections file"),
    nyc_mapping: Path = typer.Option(NYC_MAPPING, help="The NYC mapping"),
) -> None:
    """Build a demo city (seeded, reproducible) and serve the portal at 127.0.0.1:PORT."""
    from credo.db.migrate import upgrade

    chosen = _size(size, persons, organisations, public_bodies)
    ctx = context_from_env()
    upgrade(ctx.settings.database_url)
    try:
        with RichProgress() as progress:
            summary = build_demo(ctx, chosen, seed=seed, progress=progress, workers=workers)
    except CredoError as exc:
        fail(exc.detail)
    _print_summary(summary, ctx)
    if not summary.already_built:
        _checkpoint(ctx)
    if with_nyc:
        _ingest_nyc(ctx, nyc_file, nyc_mapping)
    if serve:
        _serve(ctx, port)


def _size(
    name: str, persons: int | None, organisations: int | None, public_bodies: int | None
) -> DemoSize:
    preset = SIZES.get(name)
    if preset is None:
        fail(f"--size must be one of {', '.join(SIZES)}, not {name!r}")
    return DemoSize(
        persons=persons or preset.persons,
        organisations=organisations or preset.organisations,
        public_bodies=preset.public_bodies if public_bodies is None else public_bodies,
    )


class RichProgress:
    """The build's progress as a Rich progress bar, one task per stage."""

    def __init__(self) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self._task: int | None = None

    def __enter__(self) -> RichProgress:
        self._bar.__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._bar.__exit__(kind, error, trace)

    def stage(self, description: str, total: int | None) -> None:
        self._task = self._bar.add_task(description, total=total)

    def advance(self, amount: int) -> None:
        if self._task is not None:
            self._bar.advance(self._task, amount)  # type: ignore[arg-type]


def _checkpoint(ctx: AppContext) -> None:
    """Sign the new demo's audit head (credo.audit.checkpoint). The chain is verified first;
    the rows were all just written through the write path, so the data check is left to
    `credo audit verify` (it reads every statement: a minute on the full city)."""
    from credo.audit import checkpoint

    key = Path(os.environ.get("CREDO_AUDIT_KEY") or AUDIT_KEY)
    with ctx.engine.begin() as conn:
        written = checkpoint.write_checkpoint(
            conn, checkpoint.load_or_create_key(key), ctx.clock.now(), data=False
        )
    checkpoint.write_file(CHECKPOINT, written)
    console.print(
        f"Audit checkpoint of entry {written['seq']:,} signed with {key} (key "
        f"{written['key_id']}): {CHECKPOINT}, published at /v1/audit/checkpoint"
    )


def _print_summary(summary: DemoSummary, ctx: AppContext) -> None:
    population = summary.population
    if summary.already_built:
        console.print("[yellow]The demo is already built in this database; reusing it.[/]")
    else:
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.counts.outcomes.items()))
        console.print(
            f"[green]Demo city built[/]: {len(population.persons):,} persons, "
            f"{len(population.organisations):,} organisations, "
            f"{len(population.public_bodies):,} public bodies; statements: {counts}"
        )
        console.print(
            f"Open disputes and claims: {summary.counts.disputes:,}; "
            f"repair applications: {summary.counts.repairs:,}; "
            f"full-list deliveries: {summary.counts.deliveries.deliveries} "
            f"({summary.counts.deliveries.confirmed:,} confirmed, "
            f"{summary.counts.deliveries.delisted:,} delisted)"
        )
        for code, count in summary.counts.rejected.items():
            console.print(f"[red]rejected[/] {count:,} statements: {code}")
    table = Table(title="Demo credentials (demo only: these keys are public)")
    for column in ("role", "principal", "API key", "acts for"):
        table.add_column(column)
    for credential in summary.credentials:
        table.add_row(
            credential.role.value, credential.principal_id, credential.key, credential.acts_for
        )
    console.print(table)
    console.print(f"Database: {ctx.settings.database_url}")


def _ingest_nyc(ctx: AppContext, file: Path, mapping: Path) -> None:
    """Load the real NYC inspections through the ingest pipeline, when it is installed."""
    try:
        from credo.ingest.mapping import load_mapping
        from credo.ingest.service import IngestRequest, ingest_file
    except ImportError:
        fail("the ingest pipeline (credo.ingest) is not available in this build")
    if not file.exists() or not mapping.exists():
        fail(f"--with-nyc needs {file} and {mapping}")
    parsed, content = load_mapping(mapping)
    request = IngestRequest(file, parsed, content, str(mapping), None, 5000)
    with RichProgress() as progress:
        progress.stage(f"Ingesting {file.name}", NYC_ROWS if file == NYC_FILE else None)
        result = ingest_file(
            ctx.engine, ctx.write_context(), request, on_chunk=lambda rows: progress.advance(rows)
        )
    counts = ", ".join(f"{k} {v:,}" for k, v in sorted(result.counts.items()))
    console.print(f"[green]NYC inspections[/] (ingest run {result.run_id}): {counts}")


def _serve(ctx: AppContext, port: int) -> None:
    import uvicorn

    from credo.api.app import create_app

    console.print(f"Serving the portal at [bold]http://127.0.0.1:{port}/[/] (Ctrl+C stops)")
    uvicorn.run(create_app(ctx), host="127.0.0.1", port=port, log_level="warning")
