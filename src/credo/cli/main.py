"""The ``credo`` command line: thin commands over the domain services."""

from __future__ import annotations

import os
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import typer

from credo.access.model import Role
from credo.catalog.loader import load_catalogue
from credo.cli import audit, checks, demo, disputes, exports, ingest, lists, quality, ratings
from credo.cli.common import (
    JSON,
    OneLineErrors,
    context_from_env,
    fail,
    fail_on_catalogue,
    masked_url,
    print_json,
    say,
)
from credo.errors import CatalogueError, CredoError
from credo.settings import Settings
from credo.web.portal.i18n import LANGUAGES

app = typer.Typer(
    help="Credo: a credit-information registry with its safeguards built in.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
)
catalog_app = typer.Typer(help="The catalogue of record types, ratings, lists and measures.")
db_app = typer.Typer(help="The database: migrations.")
principal_app = typer.Typer(help="Principals and their API keys.")
app.add_typer(catalog_app, name="catalog")
app.add_typer(db_app, name="db")
app.add_typer(principal_app, name="principal")
CATALOGUE_PARTS = ("record_types", "furnishers", "ratings", "lists", "measures")


@catalog_app.command("check")
def catalog_check(
    path: Path | None = typer.Argument(
        None, help="The catalogue folder (default: CREDO_CATALOG_PATH, else the demo catalogue)"
    ),
    profile: str | None = typer.Option(
        None, help="Check against this built-in profile instead (default: CREDO_PROFILE)"
    ),
    as_json: bool = JSON,
) -> None:
    """Validate a catalogue; print every problem with its file and key, including every code a
    reader would see without a label in one of the portal's languages. Exit 1 if invalid."""
    settings = Settings()
    folder = (path or settings.catalog_path).resolve()
    if not as_json:
        say(f"checking {folder}")
    try:
        catalogue = load_catalogue(folder, profile or settings.profile, languages=LANGUAGES)
    except CatalogueError as exc:
        if as_json:
            print_json({"folder": str(folder), "valid": False, "profile": None, "counts": None,
                        "problems": [asdict(p) for p in exc.problems]})  # fmt: skip
            fail(f"{len(exc.problems)} problem(s) in {folder}")
        fail_on_catalogue(exc, f"{len(exc.problems)} problem(s) in {folder}")
    active = catalogue.profile
    tightened_by = (
        catalogue.origin_of("profiles", active.id)
        if ("profiles", active.id) in catalogue.origins
        else None
    )
    counts = {name: len(getattr(catalogue, name)) for name in CATALOGUE_PARTS}
    if as_json:
        profile_json = {"id": active.id, "version": active.version, "tightened_by": tightened_by}
        print_json({"folder": str(folder), "valid": True, "profile": profile_json,
                    "counts": counts, "problems": []})  # fmt: skip
        return
    parts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in counts.items())
    say(f"valid: {parts}", style="green")
    say(
        f"profile {active.id}: built-in version {active.version}"
        + (f", tightened by {tightened_by}" if tightened_by else "")
    )


@db_app.command("upgrade")
def db_upgrade(as_json: bool = JSON) -> None:
    """Migrate the database of CREDO_DATABASE_URL to the newest schema."""
    from credo.db.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    if as_json:
        print_json({"migrated": True, "database": masked_url(settings.database_url)})
        return
    say(f"migrated {masked_url(settings.database_url)}", style="green")


@principal_app.command("create")
def principal_create(
    principal_id: str,
    role: Role = typer.Option(..., help="operator, furnisher, relying_party, subject, auditor"),
    name: str = typer.Option(..., help="Display name"),
    furnisher: str | None = typer.Option(None, help="Furnisher id (role furnisher)"),
    relying_party: str | None = typer.Option(None, help="Relying party id"),
    subject_id: int | None = typer.Option(None, help="Subject id (role subject)"),
    as_json: bool = JSON,
) -> None:
    """Create a principal and print its API key (shown once; stored only as a hash)."""
    from credo.access.service import create_principal

    ctx = context_from_env()
    try:
        with ctx.engine.begin() as conn:
            key = create_principal(
                conn,
                ctx.catalogue,
                principal_id=principal_id,
                role=role,
                display_name=name,
                now=datetime.now(UTC),
                furnisher_id=furnisher,
                relying_party_id=relying_party,
                subject_id=subject_id,
            )
    except CredoError as exc:
        fail(exc.detail)
    if as_json:
        print_json({"principal_id": principal_id, "role": role.value, "api_key": key})
        return
    say(key)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    workers: int = typer.Option(
        0, min=0, help="Worker processes; 0 (default): one per CPU core, at least 2"
    ),
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1",
        help="Reverse proxies whose X-Forwarded-For/-Proto are trusted (comma-separated, '*')",
    ),
    access_log: bool = typer.Option(False, help="Log every request (the proxy usually does)"),
) -> None:
    """Serve the API and the portal: uvicorn (uvloop, httptools) with several worker processes,
    each with its own check index; a worker that dies is restarted (with 2 workers or more).
    Refuses to start on an invalid catalogue."""
    import uvicorn

    context_from_env()  # fail fast, with every problem listed, before binding the port
    uvicorn.run(
        "credo.web.api.server:app",
        host=host,
        port=port,
        workers=workers or default_workers(),
        factory=True,
        loop="uvloop",
        http="httptools",
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        access_log=access_log,
        # a worker that does not answer the supervisor's ping in time is killed and replaced;
        # uvicorn's 5 s killed workers still importing on a loaded machine, over and over
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
        log_level="info",
    )


WORKER_HEALTHCHECK_S = 30


def default_workers() -> int:
    """One worker per CPU core this process may run on, and at least two: with one, uvicorn
    runs no supervisor, so a worker that died would not be restarted."""
    return max(2, len(os.sched_getaffinity(0)))


for module in (ingest, ratings, lists, checks, disputes, quality, audit, demo):
    module.register(app)
exports.register(app)  # on the rating and lists groups

from credo.cli import governance as governance_cli  # noqa: E402
from credo.cli import reference as reference_cli  # noqa: E402

governance_cli.register(app, catalog_app)
reference_cli.register(catalog_app)
