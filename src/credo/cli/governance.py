"""``credo simulate`` (a proposed catalogue against the live one, changing nothing) and
``credo catalog propose|activate`` (the assessment is the gate, G-48)."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import typer

from credo.cli.common import (
    ENGINE,
    JSON,
    context_from_env,
    fail,
    fail_on_catalogue,
    note,
    parse_date,
    print_json,
    say,
)
from credo.errors import CatalogueError, CredoError


def register(app: typer.Typer, catalog_app: typer.Typer) -> None:
    """Add ``simulate`` to the root app and ``propose``/``activate`` to ``credo catalog``."""
    app.command("simulate")(simulate)
    catalog_app.command("propose")(propose)
    catalog_app.command("activate")(activate)
    catalog_app.command("rederive")(rederive)


def _catalogue(path: Path, profile: str | None) -> Any:
    from credo.catalog.loader import load_catalogue

    try:
        return load_catalogue(path.resolve(), profile)
    except CatalogueError as exc:
        fail_on_catalogue(
            exc, f"the catalogue at {path} is invalid ({len(exc.problems)} problem(s))"
        )


def simulate(
    catalog: Path = typer.Option(..., "--catalog", help="The proposed catalogue folder"),
    report: Path = typer.Option(..., "--report", help="Write the HTML report here"),
    json_path: Path = typer.Option(..., "--json", help="Write the JSON document here"),
    as_of: str | None = typer.Option(None, "--as-of", help="Date simulated (default: today)"),
    engine: str = ENGINE,
    backtest_from: str | None = typer.Option(None, "--from", help="Backtest from (YYYY-MM-DD)"),
    backtest_to: str | None = typer.Option(None, "--to", help="Backtest to (YYYY-MM-DD)"),
    min_cell: int | None = typer.Option(
        None, "--min-cell", help="Smallest count shown (default: the catalogue's min_cell_size)"
    ),
) -> None:
    """Evaluate a proposed catalogue on the live registry beside the live catalogue; write
    the HTML report and the JSON document. Nothing in the database changes."""
    from credo.governance.report_html import render_report
    from credo.governance.simulate import Options
    from credo.governance.simulate import simulate as run

    ctx = context_from_env()
    proposed = _catalogue(catalog, ctx.settings.profile)
    start, stop = parse_date(backtest_from, "--from"), parse_date(backtest_to, "--to")
    if (start is None) != (stop is None):
        fail("a backtest needs both --from and --to")
    options = Options(
        as_of=parse_date(as_of, "--as-of") or ctx.clock.today(),
        engine_name=engine,
        min_cell=min_cell or ctx.catalogue.registry.min_cell_size,
    )
    started = time.perf_counter()
    try:
        document = run(
            ctx.engine,
            ctx.catalogue,
            proposed,
            options,
            now=ctx.clock.now(),
            backtest=(start, stop) if start and stop else None,
            paths=(str(ctx.settings.catalog_path), str(catalog)),
            progress=lambda what: note(f"evaluating {what}"),
        )
    except (CredoError, ValueError) as exc:
        fail(exc.detail if isinstance(exc, CredoError) else str(exc))
    json_path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2))
    report.write_text(render_report(document), encoding="utf-8")
    summary = document["summary"]
    say(
        f"simulated as of {document['as_of']} in {time.perf_counter() - started:.1f} s: "
        f"{summary['subjects_whose_band_moves']} bands move, "
        f"{summary['list_entries_starting']} entries start, "
        f"{summary['list_entries_ending']} end, {summary['decisions_flipping']} decisions flip, "
        f"{summary['disproportionate_groups']} groups flagged",
        style="green",
    )
    say(f"wrote {report} and {json_path}")


def _operator(ctx: Any, principal_id: str) -> str:
    """The id of an enabled operator, or a one-line error."""
    from credo.access.model import Role
    from credo.access.service import enabled_principal

    with ctx.engine.connect() as conn:
        principal = enabled_principal(conn, principal_id)
    if principal is None or principal.role is not Role.OPERATOR:
        fail(f"--by {principal_id!r} is not an enabled operator")
    return principal_id


def propose(
    simulation: Path = typer.Option(..., "--simulation", help="The JSON of credo simulate"),
    title: str = typer.Option(..., "--title"),
    impact_ref: str = typer.Option(..., "--impact-ref", help="The impact assessment reference"),
    by: str = typer.Option(..., "--by", help="The proposing operator's principal id"),
    as_json: bool = JSON,
) -> None:
    """Propose a catalogue change with its simulation attached (G-48)."""
    from credo.audit.approvals import propose as run
    from credo.governance.service import simulation_assessment

    ctx = context_from_env()
    actor = _operator(ctx, by)
    try:
        document = orjson.loads(simulation.read_bytes())
    except (OSError, orjson.JSONDecodeError) as exc:
        fail(f"{simulation}: cannot be read as JSON ({exc})")
    if not isinstance(document, dict):
        fail(f"{simulation} is not a JSON object")
    change = {
        "catalogue_hash": document.get("catalogue", {}).get("proposed", {}).get("hash"),
        "rules": document.get("catalogue", {}).get("rules", {}),
    }
    try:
        with ctx.engine.begin() as conn:
            now = ctx.clock.now()
            assess = simulation_assessment(conn, document, now)
            change_id = run(conn, actor, title, change, impact_ref, now, assess)
    except CredoError as exc:
        fail(exc.detail)
    if as_json:
        print_json({"change_id": change_id, "status": "proposed"})
        return
    say(f"proposed catalogue change {change_id}; a second operator decides", style="green")


def activate(
    change: int = typer.Option(..., "--change", help="The approved catalogue change"),
    catalog: Path = typer.Option(..., "--catalog", help="The catalogue folder to activate"),
    by: str = typer.Option(..., "--by", help="The activating operator's principal id"),
    rederive: bool = typer.Option(
        True, help="Re-derive every subject's ratings, list entries and notices under it"
    ),
    as_json: bool = JSON,
) -> None:
    """Record the catalogue as live for an approved change whose simulation is of this very
    catalogue and current (G-48). Serve it by pointing CREDO_CATALOG_PATH at the folder and
    restarting (docs/governance.md)."""
    from credo.governance import service

    ctx = context_from_env()
    actor = _operator(ctx, by)
    proposed = _catalogue(catalog, ctx.settings.profile)
    max_age = timedelta(days=ctx.settings.simulation_max_age_days)
    try:
        with ctx.engine.begin() as conn:
            done = service.activate(conn, proposed, change, actor, ctx.clock.now(), max_age)
    except CredoError as exc:
        fail(exc.detail)
    count = service.rederive(ctx.engine, proposed, ctx.clock) if rederive else None
    if as_json:
        print_json(
            {
                "change_id": change,
                "catalogue_hash": done.catalogue_hash,
                "version_id": done.version_id,
                "rules_changed": len(done.rules),
                "statements_since": done.statements_since,
                "rederived_subjects": count,
            }
        )
        return
    say(
        f"activated catalogue {done.catalogue_hash[:12]} (version {done.version_id}, "
        f"{len(done.rules)} rules added, changed or removed; {done.statements_since} statements "
        "accepted since the simulation)",
        style="green",
    )
    if count is not None:
        say(f"re-derived {count} subjects under the activated catalogue")


def rederive(as_json: bool = JSON) -> None:
    """Re-derive every subject's ratings, list entries and notices under the catalogue the
    context loads (CREDO_CATALOG_PATH): after restarting on an activated catalogue."""
    from credo.governance import service

    ctx = context_from_env()
    count = service.rederive(ctx.engine, ctx.catalogue, ctx.clock)
    if as_json:
        print_json({"rederived_subjects": count, "catalogue": ctx.settings.catalog_path})
        return
    say(f"re-derived {count} subjects under {ctx.settings.catalog_path}")
