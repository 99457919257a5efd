"""``credo demo``: build the demo city in CREDO_DATABASE_URL and serve the API and portal."""

from __future__ import annotations

import multiprocessing
import os
import socket
import time
from multiprocessing.process import BaseProcess
from pathlib import Path
from types import TracebackType
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from credo.cli.common import (
    context_from_env,
    errors,
    fail,
    masked_url,
    print_json,
    print_table,
    say,
)
from credo.context import AppContext
from credo.demo.build import DemoSummary, build_demo
from credo.demo.population import SIZES, DemoSize
from credo.errors import CredoError
from credo.ingest.mapping import load_mapping
from credo.ingest.service import IngestRequest, ingest_file
from credo.summary import service as summary_counts

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
    as_json: bool = typer.Option(
        False, "--json", help="Print the summary as JSON (docs/cli.md), before serving"
    ),
) -> None:
    """Build a demo city (seeded, reproducible) and serve the portal at 127.0.0.1:PORT."""
    from credo.db.migrate import upgrade

    chosen = _size(size, persons, organisations, public_bodies)
    ctx = context_from_env()
    upgrade(ctx.settings.database_url)
    # The portal answers at once and says it is building until the build is done.
    portal = PortalWhileBuilding.start(port) if serve else None
    try:
        with RichProgress() as progress:
            summary = build_demo(ctx, chosen, seed=seed, progress=progress, workers=workers)
        signed = None if summary.already_built else _checkpoint(ctx)
        loaded = _ingest_nyc(ctx, nyc_file, nyc_mapping) if with_nyc else None
        summary_counts.refresh(ctx.engine, ctx.clock.now())  # the console's first count
    except (CredoError, KeyboardInterrupt) as exc:
        if portal is not None:
            portal.stop()
        if isinstance(exc, KeyboardInterrupt):
            raise
        fail(exc.detail)
    if portal is not None:
        portal.built()
    if as_json:
        print_json({**_summary_json(summary, ctx), "checkpoint": signed, "nyc": loaded})
    else:
        _print_summary(summary, ctx, signed, loaded)
    if portal is not None:
        portal.wait()


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
        self._bar = Progress(  # on stderr, on a terminal only: stdout keeps the summary
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=errors,
            disable=not errors.is_terminal,
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


def _checkpoint(ctx: AppContext) -> dict[str, Any]:
    """Sign the new demo's audit head (credo.audit.checkpoint). The chain is verified first;
    the rows were all just written through the write path, so the data check is left to
    `credo audit verify` (it reads every statement: a minute on the full city)."""
    from credo.audit import checkpoint

    key = Path(os.environ.get("CREDO_AUDIT_KEY") or AUDIT_KEY)
    with ctx.engine.begin() as conn:
        written = checkpoint.write_checkpoint(
            conn, checkpoint.load_or_create_key(key), ctx.clock.now(), data=None
        )
    checkpoint.write_file(CHECKPOINT, written)
    return {"seq": written["seq"], "key_id": written["key_id"], "key": str(key),
            "file": str(CHECKPOINT)}  # fmt: skip


def _summary_json(summary: DemoSummary, ctx: AppContext) -> dict[str, Any]:
    population, counts = summary.population, summary.counts
    return {
        "already_built": summary.already_built,
        "persons": len(population.persons),
        "organisations": len(population.organisations),
        "public_bodies": len(population.public_bodies),
        "statements": dict(sorted(counts.outcomes.items())),
        "rejected": dict(counts.rejected),
        "disputes": counts.disputes,
        "repairs": counts.repairs,
        "deliveries": {
            "deliveries": counts.deliveries.deliveries,
            "confirmed": counts.deliveries.confirmed,
            "delisted": counts.deliveries.delisted,
        },
        "credentials": [
            {
                "role": c.role.value,
                "principal_id": c.principal_id,
                "api_key": c.key,
                "acts_for": c.acts_for,
            }
            for c in summary.credentials
        ],
        "database": masked_url(ctx.settings.database_url),
    }


def _print_summary(
    summary: DemoSummary,
    ctx: AppContext,
    signed: dict[str, Any] | None,
    loaded: dict[str, Any] | None,
) -> None:
    population = summary.population
    if summary.already_built:
        say("The demo is already built in this database; reusing it.", style="yellow")
    else:
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.counts.outcomes.items()))
        say(
            f"Demo city built: {len(population.persons):,} persons, "
            f"{len(population.organisations):,} organisations, "
            f"{len(population.public_bodies):,} public bodies; statements: {counts}",
            style="green",
        )
        say(
            f"Open disputes and claims: {summary.counts.disputes:,}; "
            f"repair applications: {summary.counts.repairs:,}; "
            f"full-list deliveries: {summary.counts.deliveries.deliveries} "
            f"({summary.counts.deliveries.confirmed:,} confirmed, "
            f"{summary.counts.deliveries.delisted:,} delisted)"
        )
        for code, count in summary.counts.rejected.items():
            say(f"rejected {count:,} statements: {code}", style="red")
    print_table(
        ("role", "principal", "API key", "acts for"),
        [(c.role.value, c.principal_id, c.key, c.acts_for) for c in summary.credentials],
        title="Demo credentials (demo only: these keys are public)",
    )
    say(f"Database: {ctx.settings.database_url}")
    if signed is not None:
        say(
            f"Audit checkpoint of entry {signed['seq']:,} signed with {signed['key']} (key "
            f"{signed['key_id']}): {signed['file']}, published at /v1/audit/checkpoint"
        )
    if loaded is not None:
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(loaded["outcomes"].items()))
        say(f"NYC inspections (ingest run {loaded['run_id']}): {counts}", style="green")


def _ingest_nyc(ctx: AppContext, file: Path, mapping: Path) -> dict[str, Any]:
    """Load the real NYC inspections through the ingest pipeline."""
    if not file.exists() or not mapping.exists():
        fail(f"--with-nyc needs {file} and {mapping}")
    parsed, content = load_mapping(mapping)
    request = IngestRequest(file, parsed, content, str(mapping), None, 5000)
    with RichProgress() as progress:
        progress.stage(f"Ingesting {file.name}", NYC_ROWS if file == NYC_FILE else None)
        result = ingest_file(
            ctx.engine, ctx.write_context(), request, on_chunk=lambda rows: progress.advance(rows)
        )
    return {"run_id": result.run_id, "outcomes": dict(sorted(result.counts.items()))}


class PortalWhileBuilding:
    """The portal in its own (spawned) process from the start of ``credo demo``: it serves
    the registry as the build fills it, with a "building" notice on every page until
    ``built``. A process, not a thread: the build's loaders fork, and its CPU-bound work
    would hold the server's interpreter lock."""

    def __init__(self, process: BaseProcess, building: Any) -> None:
        self.process, self.building = process, building

    @classmethod
    def start(cls, port: int) -> PortalWhileBuilding:
        spawn = multiprocessing.get_context("spawn")
        building = spawn.Event()
        building.set()
        process = spawn.Process(target=_serve, args=(port, building), name="credo-portal")
        process.start()
        _wait_until_listening(port, process)  # before the build takes both cores
        errors.print(f"Serving the portal at http://127.0.0.1:{port}/ (Ctrl+C stops)")
        return cls(process, building)

    def built(self) -> None:
        self.building.clear()

    def wait(self) -> None:
        try:
            self.process.join()
        except KeyboardInterrupt:  # the server got the same Ctrl+C and shuts down
            self.process.join(timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(timeout=10)


def _wait_until_listening(port: int, process: BaseProcess, patience_s: float = 60.0) -> None:
    deadline = time.monotonic() + patience_s
    while process.is_alive() and time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    if not process.is_alive():
        fail(f"the portal did not start on port {port} (is it in use?)")


def _serve(port: int, building: Any) -> None:
    """The portal process: the same settings (CREDO_* in the environment it inherits)."""
    import uvicorn

    from credo.web.api.app import create_app

    app = create_app(context_from_env())
    app.state.building = building
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
