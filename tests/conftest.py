"""Shared fixtures: databases on both back ends, an engine, a headless chromium.

- `database_url`: parametrized over "sqlite" and "postgres"; each test gets a fresh, migrated
  database (a copy of a SQLite template file, or CREATE DATABASE ... TEMPLATE on PostgreSQL).
  Restrict a test to one back end with
  `@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)`.
- `engine`: `credo.db.connect.make_engine(database_url)`, disposed after the test.
- `postgres_server`: the session's PostgreSQL (CREDO_TEST_POSTGRES_URL, or a throwaway
  cluster started here). Skips when PostgreSQL is unavailable, unless
  CREDO_REQUIRE_POSTGRES=1, which turns that into a failure.
- `browser` / `screenshot_dir`: Playwright's sync API on Debian's /usr/bin/chromium.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

sys.path.insert(0, str(Path(__file__).resolve().parent))  # make `harness` importable

from harness import sqlite as sqlite_harness
from harness.postgres import PostgresServer, PostgresUnavailable

if TYPE_CHECKING:
    from playwright.sync_api import Browser
    from sqlalchemy import Engine

    from credo.catalog.catalogue import Catalogue

Migrate = Callable[[str], None]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


# No per-example deadline: CI machines are shared and noisy, and speed is measured in bench/.
settings.register_profile("credo", deadline=None)
# On demand (`python3 dev.py test --hypothesis-profile=deep ...`): ten times the examples.
settings.register_profile("deep", deadline=None, max_examples=1000)
settings.load_profile("credo")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: runs against PostgreSQL")


def _worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


# -- PostgreSQL ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The session's PostgreSQL server (one per xdist worker)."""
    external = os.environ.get("CREDO_TEST_POSTGRES_URL")
    try:
        server = PostgresServer.external(external) if external else PostgresServer.start()
    except PostgresUnavailable as exc:
        reason = f"PostgreSQL unavailable: {exc}"
        if os.environ.get("CREDO_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"CREDO_REQUIRE_POSTGRES=1 but {reason}", pytrace=False)
        pytest.skip(reason)
    try:
        yield server
    finally:
        server.stop()


# -- migrated templates ----------------------------------------------------------------------


@pytest.fixture(scope="session")
def migrate() -> Migrate:
    """The function that brings an empty database to the current schema."""
    from credo.db.migrate import upgrade

    return upgrade


class Templates:
    """Migrated template databases, made on first use, one per back end and migrate function
    (a test module that overrides `migrate` gets its own templates)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._sqlite: dict[Migrate, Path] = {}
        self._postgres: dict[Migrate, tuple[PostgresServer, str]] = {}

    def sqlite(self, migrate: Migrate) -> Path:
        if migrate not in self._sqlite:
            path = self.directory / f"template-{len(self._sqlite)}.db"
            self._sqlite[migrate] = sqlite_harness.create_template(path, migrate)
        return self._sqlite[migrate]

    def postgres(self, server: PostgresServer, migrate: Migrate) -> str:
        if migrate not in self._postgres:
            name = f"credo_template_{_worker_id()}_{len(self._postgres)}_{os.getpid()}"
            self._postgres[migrate] = (server, server.create_template(name, migrate))
        return self._postgres[migrate][1]

    def drop_all(self) -> None:
        for server, name in self._postgres.values():
            if not server.owned:  # a throwaway cluster is already gone, with its databases
                server.drop_database(name)


@pytest.fixture(scope="session")
def database_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Templates]:
    templates = Templates(tmp_path_factory.mktemp("templates"))
    yield templates
    templates.drop_all()


# -- per-test databases ----------------------------------------------------------------------


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
    ids=["sqlite", "postgres"],
)
def database_url(
    request: pytest.FixtureRequest,
    migrate: Migrate,
    database_templates: Templates,
    tmp_path: Path,
) -> Iterator[str]:
    """A fresh, migrated database for this test, as a SQLAlchemy URL."""
    if request.param == "sqlite":
        yield sqlite_harness.clone(database_templates.sqlite(migrate), tmp_path / "credo.db")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    name, url = server.clone(database_templates.postgres(server, migrate))
    try:
        yield url
    finally:
        server.drop_database(name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    from credo.db.connect import make_engine

    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


# -- catalogue -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def catalogue() -> Catalogue:
    """The demo city's catalogue, loaded once per worker (a Catalogue is frozen); a package's
    conftest overrides it where its tests run under another."""
    from credo.catalog.loader import load_catalogue
    from credo.settings import DEMO_CATALOG

    return load_catalogue(DEMO_CATALOG)


# -- browser ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def screenshot_dir(pytestconfig: pytest.Config) -> Path:
    path: Path = pytestconfig.rootpath / "test-artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
