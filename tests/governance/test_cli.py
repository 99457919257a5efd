"""The commands: credo simulate writes the HTML report and the JSON without changing the
database; credo catalog propose attaches it; credo catalog activate refuses an unapproved
change with a one-line reason and activates an approved one (G-48)."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from credo.audit.approvals import decide
from credo.cli.main import app
from credo.governance.tables import catalogue_versions
from credo.ratings.tables import rating_snapshots

from .conftest import Registry

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_g48_simulate_propose_and_activate_from_the_command_line(
    registry: Registry, database_url: str, tmp_path: Path
) -> None:
    env = {"CREDO_DATABASE_URL": database_url, "COLUMNS": "80"}
    runner = CliRunner()
    html, data = tmp_path / "sim.html", tmp_path / "sim.json"
    simulated = runner.invoke(
        app,
        ["simulate", "--catalog", str(registry.proposed_path), "--report", str(html),
         "--json", str(data), "--min-cell", "5"],
        env=env,
    )  # fmt: skip
    assert simulated.exit_code == 0, simulated.output
    document = orjson.loads(data.read_bytes())
    assert document["catalogue"]["rules"]["measures"]["added"] == ["licensing_review_defaulter"]
    assert "<script" not in html.read_text() and "Policy simulation" in html.read_text()
    with registry.ctx.engine.connect() as conn:  # nothing was written
        assert conn.execute(select(func.count()).select_from(rating_snapshots)).scalar() == 0

    proposed = runner.invoke(
        app,
        ["catalog", "propose", "--simulation", str(data), "--title", "Raise the threshold",
         "--impact-ref", "DPIA-17", "--by", "ann"],
        env=env,
    )  # fmt: skip
    assert proposed.exit_code == 0, proposed.output
    activate = ["catalog", "activate", "--change", "1", "--catalog", str(registry.proposed_path),
                "--by", "ann", "--no-rederive"]  # fmt: skip
    refused = runner.invoke(app, activate, env=env)
    assert refused.exit_code == 1 and "not approved" in refused.output
    with registry.ctx.engine.begin() as conn:
        decide(conn, 1, "bob", True, "", registry.ctx.clock.now())
    done = runner.invoke(app, activate, env=env)
    assert done.exit_code == 0, done.output
    with registry.ctx.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(catalogue_versions)).scalar() == 1
