"""The demo build goes through the real write path on both databases: every statement is
accepted, a second load changes nothing, and the demo principals can sign in."""

from __future__ import annotations

import gzip
import itertools
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from credo.access.model import Role
from credo.access.service import authenticate
from credo.cli.main import app as cli_app
from credo.clock import FixedClock
from credo.context import AppContext, build_context
from credo.demo.build import Credential, SilentProgress, build_demo, load_statements
from credo.demo.population import DemoSize, generate_population
from credo.demo.records import city_statements
from credo.records.tables import record_statements
from credo.settings import Settings
from credo.subjects.tables import subjects
from harness.data import NYC_DIR

SIZE = DemoSize(persons=200, organisations=40, public_bodies=3)
SEED = 11


def _context(database_url: str, engine: Engine) -> AppContext:
    clock = FixedClock(datetime(2026, 6, 30, 12, 0))
    return build_context(Settings(database_url=database_url), clock=clock, engine=engine)


def _count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_build_accepts_every_statement_and_is_idempotent(database_url: str, engine: Engine) -> None:
    ctx = _context(database_url, engine)
    summary = build_demo(ctx, SIZE, seed=SEED)
    assert summary.counts.rejected == {}
    assert set(summary.counts.outcomes) == {"accepted"}
    assert _count(engine, subjects) == 243
    stored = _count(engine, record_statements)
    # The procurement office's daily full lists: three deliveries, confirming what they list.
    deliveries = summary.counts.deliveries
    assert deliveries.deliveries == 3
    assert stored == summary.counts.outcomes["accepted"] + deliveries.confirmed + (
        deliveries.delisted
    )

    # The same statements again, through the same write path: all duplicates, nothing added.
    today = ctx.clock.today()
    city = generate_population(SIZE, SEED, today)
    again = load_statements(
        engine,
        ctx.write_context(),
        today,
        city_statements(city, today, SEED),
        SilentProgress(),
        total_subjects=0,
    )
    assert set(again.outcomes) == {"duplicate"}
    assert _count(engine, record_statements) == stored

    # Building again leaves the database as it is.
    assert build_demo(ctx, SIZE, seed=SEED).already_built


def test_cli_builds_without_serving(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine
) -> None:
    monkeypatch.setenv("CREDO_DATABASE_URL", database_url)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        cli_app,
        ["demo", "--no-serve", "--size", "tiny", "--persons", "60", "--organisations", "15"],
    )
    assert result.exit_code == 0, result.output
    assert "credo-demo-operator-key" in result.output
    assert _count(engine, subjects) == 60 + 15 + 6


def test_cli_refuses_an_unknown_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CREDO_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    result = CliRunner().invoke(cli_app, ["demo", "--no-serve", "--size", "huge"])
    assert result.exit_code != 0
    assert "--size must be one of" in result.output


NYC = NYC_DIR
MAPPING = Path(__file__).resolve().parents[2] / "mappings/nyc_restaurant_inspections.yaml"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_with_nyc_ingests_through_the_ingest_pipeline(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = NYC / "nyc_violations.csv.gz"
    if not source.exists() or not MAPPING.exists():
        pytest.skip("the NYC data or its mapping is not here")
    sample = tmp_path / "sample.csv.gz"
    with gzip.open(source, "rt") as full, gzip.open(sample, "wt") as part:
        part.writelines(itertools.islice(full, 201))  # the header and 200 rows
    monkeypatch.setenv("CREDO_DATABASE_URL", database_url)
    args = ["demo", "--no-serve", "--size", "tiny", "--persons", "30", "--organisations", "10"]
    args += ["--with-nyc", "--nyc-file", str(sample), "--nyc-mapping", str(MAPPING)]
    result = CliRunner().invoke(cli_app, args)
    assert result.exit_code == 0, result.output
    assert "rows_read 200" in result.output


def _assert_principals_authenticate(engine: Engine, credentials: list[Credential]) -> None:
    by_role = {c.role: c for c in credentials}
    assert set(by_role) == {
        Role.OPERATOR,
        Role.FURNISHER,
        Role.RELYING_PARTY,
        Role.SUBJECT,
        Role.AUDITOR,
    }
    with engine.connect() as conn:
        for role, credential in by_role.items():
            assert authenticate(conn, credential.key).role is role
        assert authenticate(conn, by_role[Role.SUBJECT].key).subject_id is not None
