"""A multi-authority file (issue 15, must-show): each row's furnisher from a column, each row
checked against its own furnisher's remit (G-07), a row outside it and a row with an unknown
furnisher quarantined with a reason naming the row, the column and the furnisher; the
records, audit entries and quarantine rows carry each row's own furnisher; a held
furnisher's rows are held row by row (G-49). Both databases."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
import yaml
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from credo.audit.tables import audit_log
from credo.cli.main import app
from credo.errors import ValidationFailed
from credo.ingest.mapping import load_mapping
from credo.ingest.service import IngestRequest, ingest_file
from credo.ingest.tables import ingest_runs, quarantine
from credo.quality import repository as quality_repo
from credo.quality.hold import held_rejections
from credo.records.service import WriteContext
from credo.records.tables import record_statements

from .conftest import COLUMNS, NOW, NYC_MAPPING, inspection_row, write_csv

VALUES = {"NYC": "nyc_dohmh", "DC": "food_safety_inspectorate", "PROC": "procurement_office"}
# Rows 2-4 NYC, 5-6 DC, 7 the inspectorate by its id (not in furnisher.values), 8 the
# procurement office (its remit is procurement_debarment only), 9 nobody the catalogue knows.
AUTHORITIES = ["NYC", "NYC", "NYC", "DC", "DC", "food_safety_inspectorate", "PROC", "XX"]


def multi_mapping(tmp_path: Path) -> Path:
    data = yaml.safe_load(NYC_MAPPING.read_text())
    data["furnisher"] = {"column": "authority", "values": VALUES}
    path = tmp_path / "multi.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def multi_file(tmp_path: Path) -> Path:
    rows = [inspection_row(i) | {"authority": a} for i, a in enumerate(AUTHORITIES)]
    return write_csv(tmp_path / "national.csv", rows, [*COLUMNS, "authority"])


def _reference(row: dict[str, str]) -> str:
    """The NYC mapping's source reference of ``row``."""
    return ":".join(
        row[c] for c in ("camis", "inspection_date", "inspection_type", "violation_code")
    )


def invoke(database_url: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["ingest", *args], env={"CREDO_DATABASE_URL": database_url})
    return result.exit_code, result.output


def test_a_row_outside_its_furnishers_remit_is_quarantined_g07(
    database_url: str, engine: Engine, tmp_path: Path
) -> None:
    mapping, path, report = multi_mapping(tmp_path), multi_file(tmp_path), tmp_path / "r.json"
    args = (str(path), "--mapping", str(mapping), "--report", str(report))
    code, output = invoke(database_url, *args)
    assert code == 2, output
    data = orjson.loads(report.read_bytes())
    assert data["outcomes"] == {"accepted": 6, "duplicate": 0, "quarantined": 2}
    assert data["reasons"] == {"outside_remit": 1, "unknown_furnisher": 1}
    assert data["furnisher"] == "column:authority"
    assert data["furnishers"] == {
        "food_safety_inspectorate": {"accepted": 3, "duplicate": 0, "quarantined": 0},
        "nyc_dohmh": {"accepted": 3, "duplicate": 0, "quarantined": 0},
        "procurement_office": {"accepted": 0, "duplicate": 0, "quarantined": 1},
    }
    remit, unknown = data["quarantined_rows"]
    assert (remit["row"], remit["reason"]) == (8, "outside_remit")
    assert remit["detail"].startswith(
        "row 8: column 'authority' holds 'PROC': furnisher 'procurement_office' may not write "
        "'food_safety_inspection' records"
    )
    assert (unknown["row"], unknown["reason"]) == (9, "unknown_furnisher")
    assert unknown["detail"].startswith(
        "row 9: column 'authority' (furnisher) holds 'XX', which is not a registered furnisher"
    )
    with engine.connect() as conn:
        statements = select(record_statements.c.source_ref, record_statements.c.furnisher_id)
        written = {ref: f for ref, f in conn.execute(statements)}
        actors = [a for (a,) in conn.execute(select(audit_log.c.actor)) if "furnisher:" in a]
        quarantined = select(quarantine.c.row_number, quarantine.c.furnisher_id)
        held = {row: f for row, f in conn.execute(quarantined)}
        (run,) = conn.execute(select(ingest_runs.c.furnisher_id)).scalars()
    expected = {
        _reference(inspection_row(i)): VALUES.get(a, a) for i, a in enumerate(AUTHORITIES[:6])
    }
    assert written == expected  # each record is its own row's furnisher's
    assert sorted(actors) == sorted(f"furnisher:{f}" for f in expected.values())
    assert held == {8: "procurement_office", 9: "column:authority"}
    assert run == "column:authority"


def test_the_file_again_is_duplicates_and_no_furnisher_may_be_forced(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    mapping, content = load_mapping(multi_mapping(tmp_path))
    request = IngestRequest(multi_file(tmp_path), mapping, content, "multi.yaml")
    ingest_file(engine, write_ctx, request)
    again = ingest_file(engine, write_ctx, request)
    assert dict(again.counts) == {"rows_read": 8, "duplicate": 6, "quarantined": 2}
    assert again.by_furnisher["nyc_dohmh"]["duplicate"] == 3
    with pytest.raises(ValidationFailed, match="--furnisher 'nyc_dohmh' does not apply"):
        ingest_file(engine, write_ctx, replace(request, furnisher_id="nyc_dohmh"))


def test_a_held_furnishers_rows_are_held_and_the_others_accepted_g49(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    """G-49 per row: one of the file's furnishers being held does not refuse the file (the
    write path checks holds with what credo.context passes every write context)."""
    with engine.begin() as conn:
        quality_repo.save_rows(conn, [_hold("food_safety_inspectorate")])
    mapping, content = load_mapping(multi_mapping(tmp_path))
    request = IngestRequest(multi_file(tmp_path), mapping, content, "multi.yaml")
    result = ingest_file(engine, replace(write_ctx, holds=held_rejections), request)
    assert result.counts["accepted"] == 3 and result.counts["quarantined"] == 5
    assert result.reasons == {"furnisher_held": 3, "outside_remit": 1, "unknown_furnisher": 1}
    assert result.by_furnisher["food_safety_inspectorate"]["quarantined"] == 3


def _hold(furnisher_id: str) -> dict[str, object]:
    start = NOW - timedelta(days=90)
    return {
        "furnisher_id": furnisher_id,
        "evaluated_at": NOW,
        "window_start": start,
        "window_end": NOW,
        "records": 40,
        "disputes": 20,
        "corrections": 0,
        "overturns": 0,
        "disputes_due": 0,
        "late_responses": 0,
        "dispute_rate": 0.5,
        "correction_rate": 0.0,
        "overturn_rate": 0.0,
        "late_response_rate": 0.0,
        "held": True,
        "held_since": start,
        "hold_reason": "dispute rate 50 % above 20 %",
    }
