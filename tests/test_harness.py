"""Tests of the test harness itself (tests/conftest.py, tests/harness/).

The database tests here use a stand-in for `credo.db.migrate.upgrade` (one probe table), so
they test the harness — cluster, templates, cloning, clean-up — and not the migrations.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
import pytest
import sqlalchemy as sa

from harness.postgres import PostgresServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser


def standin_migrate(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE harness_probe (id INTEGER PRIMARY KEY, note TEXT)"))
        conn.execute(sa.text("INSERT INTO harness_probe (id, note) VALUES (1, 'template')"))
    engine.dispose()


@pytest.fixture(scope="session")
def migrate() -> Callable[[str], None]:
    """Overrides the real migrations for this module only (templates are kept per function)."""
    return standin_migrate


@pytest.mark.postgres
def test_postgres_answers_select_1(postgres_server: PostgresServer) -> None:
    with psycopg.connect(postgres_server.conninfo()) as conn:
        assert conn.execute("select 1").fetchone() == (1,)
    engine = sa.create_engine(postgres_server.url_for("postgres"))
    with engine.connect() as conn:
        assert conn.execute(sa.text("select 1")).scalar_one() == 1
    engine.dispose()


@pytest.mark.parametrize("round_", [1, 2])
def test_database_url_is_fresh_and_migrated(
    database_url: str, request: pytest.FixtureRequest, round_: int
) -> None:
    backend = request.node.callspec.params["database_url"]
    if backend == "sqlite":
        assert database_url.startswith("sqlite:///") and database_url.endswith("/credo.db")
    elif not os.environ.get("CREDO_TEST_POSTGRES_URL"):
        assert database_url.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    engine = sa.create_engine(database_url)
    with engine.begin() as conn:
        # Both rounds see only the template's row: every test gets its own copy.
        assert conn.execute(sa.text("SELECT note FROM harness_probe")).scalars().all() == [
            "template"
        ]
        conn.execute(sa.text(f"INSERT INTO harness_probe (id, note) VALUES (2, 'round {round_}')"))
    engine.dispose()


def test_database_url_has_sqlite_and_postgres_ids() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
         "-o", "addopts=", "-k", "test_database_url_is_fresh_and_migrated", __file__],
        capture_output=True, text=True, cwd=Path(__file__).parent.parent, timeout=120,
    )  # fmt: skip
    ids = {line.rsplit("[", 1)[-1] for line in result.stdout.splitlines() if "::" in line}
    assert ids == {"sqlite-1]", "sqlite-2]", "postgres-1]", "postgres-2]"}, result.stdout


def test_engine_fixture(database_url: str, request: pytest.FixtureRequest) -> None:
    pytest.importorskip("credo.db.connect", reason="credo.db.connect is not written yet")
    engine: sa.Engine = request.getfixturevalue("engine")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM harness_probe")).scalar_one() == 1


@pytest.mark.browser
def test_browser_screenshot(browser: Browser, screenshot_dir: Path) -> None:
    page = browser.new_page()
    try:
        page.set_content("<h1 id='t'>credo harness</h1>")
        assert page.inner_text("#t") == "credo harness"
        shot = screenshot_dir / "harness.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 0
    finally:
        page.close()
