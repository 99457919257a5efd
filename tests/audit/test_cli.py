"""``credo audit verify`` and ``credo jobs run`` from the command line, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from credo.audit import service as audit
from credo.cli.main import app
from credo.notices.service import Notice, enqueue

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"CREDO_DATABASE_URL": database_url}


def test_verify_reports_the_first_broken_link(engine: Engine, env: dict[str, str]) -> None:
    with engine.begin() as conn:
        for i in range(5):
            audit.append(conn, "operator:ann", "test.step", None, {"i": i}, T0)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"], env=env)
    assert ok.exit_code == 0 and "5 entries verified" in ok.output
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET action = 'test.other' WHERE seq = 4"))
        conn.execute(text("DELETE FROM audit_log WHERE seq = 2"))
    broken = runner.invoke(app, ["audit", "verify"], env=env)
    assert broken.exit_code == 1
    assert "first broken link at entry 2 (missing_entries)" in " ".join(broken.output.split())


def test_jobs_run_delivers_queued_notices_to_a_folder(
    engine: Engine, env: dict[str, str], tmp_path: Path
) -> None:
    with engine.begin() as conn:
        enqueue(conn, [Notice("subject", "1", "test", "Hello", "Body")], T0)
    result = CliRunner().invoke(app, ["jobs", "run", "--send", f"file:{tmp_path}"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    assert len(list(tmp_path.glob("*.eml"))) == 1
    bad = CliRunner().invoke(app, ["notices", "send", "pigeon:coop"], env=env)
    assert bad.exit_code == 1
