"""The ``credo`` command line: thin commands over the domain services."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer

from credo.access.model import Role
from credo.catalog.loader import load_catalogue
from credo.cli import audit, checks, demo, disputes, ingest, lists, quality, ratings
from credo.cli.common import console, context_from_env, errors, fail
from credo.errors import CatalogueError, CredoError
from credo.settings import Settings

app = typer.Typer(
    help="Credo: a credit-information registry with its safeguards built in.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
catalog_app = typer.Typer(help="The catalogue of record types, ratings, lists and measures.")
db_app = typer.Typer(help="The database: migrations.")
principal_app = typer.Typer(help="Principals and their API keys.")
app.add_typer(catalog_app, name="catalog")
app.add_typer(db_app, name="db")
app.add_typer(principal_app, name="principal")


@catalog_app.command("check")
def catalog_check(
    path: Path | None = typer.Argument(
        None, help="The catalogue folder (default: CREDO_CATALOG_PATH, else the demo catalogue)"
    ),
    profile: str | None = typer.Option(
        None, help="Check against this built-in profile instead (default: CREDO_PROFILE)"
    ),
) -> None:
    """Validate a catalogue; print every problem with its file and key."""
    settings = Settings()
    folder = (path or settings.catalog_path).resolve()
    chosen = profile or settings.profile
    console.print(f"checking {folder}", highlight=False, markup=False, soft_wrap=True)
    try:
        catalogue = load_catalogue(folder, chosen)
    except CatalogueError as exc:
        for problem in exc.problems:
            errors.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        fail(f"{len(exc.problems)} problem(s) in {folder}")
    console.print(
        f"[green]valid[/]: {len(catalogue.record_types)} record types, "
        f"{len(catalogue.furnishers)} furnishers, {len(catalogue.ratings)} ratings, "
        f"{len(catalogue.lists)} lists, {len(catalogue.measures)} measures"
    )
    active = catalogue.profile
    tightened = ("profiles", active.id) in catalogue.origins
    console.print(
        f"profile {active.id}: built-in version {active.version}"
        + (f", tightened by {catalogue.origin_of('profiles', active.id)}" if tightened else ""),
        highlight=False,
        soft_wrap=True,
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Migrate the database of CREDO_DATABASE_URL to the newest schema."""
    from credo.db.migrate import upgrade

    settings = Settings()
    upgrade(settings.database_url)
    console.print(f"[green]migrated[/] {settings.database_url}")


@principal_app.command("create")
def principal_create(
    principal_id: str,
    role: Role = typer.Option(..., help="operator, furnisher, relying_party, subject, auditor"),
    name: str = typer.Option(..., help="Display name"),
    furnisher: str | None = typer.Option(None, help="Furnisher id (role furnisher)"),
    relying_party: str | None = typer.Option(None, help="Relying party id"),
    subject_id: int | None = typer.Option(None, help="Subject id (role subject)"),
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
    console.print(key, highlight=False)


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1"),
    port: int = typer.Option(8000),
    workers: int = typer.Option(1, help="Worker processes"),
) -> None:
    """Serve the API and the portal. Refuses to start on an invalid catalogue."""
    import uvicorn

    context_from_env()  # fail fast, with every problem listed, before binding the port
    uvicorn.run(
        "credo.api.server:app",
        host=host,
        port=port,
        workers=workers,
        factory=True,
        log_level="info",
    )


for module in (ingest, ratings, lists, checks, disputes, quality, audit, demo):
    module.register(app)

from credo.cli import governance as governance_cli  # noqa: E402
from credo.cli import reference as reference_cli  # noqa: E402

governance_cli.register(app, catalog_app)
reference_cli.register(catalog_app)
