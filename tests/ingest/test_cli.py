"""`credo ingest` on the command line: report, summary, exit codes, clear mapping errors."""

from __future__ import annotations

from pathlib import Path

import orjson
import yaml
from typer.testing import CliRunner

from credo.cli.main import app

from .conftest import NYC_MAPPING, inspection_row, write_csv

runner = CliRunner()


def invoke(database_url: str, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["ingest", *args], env={"CREDO_DATABASE_URL": database_url})
    return result.exit_code, result.output


def test_ingest_writes_the_report_and_prints_the_counts(database_url: str, tmp_path: Path) -> None:
    rows = [inspection_row(1), inspection_row(2, camis="nope"), inspection_row(3)]
    path = write_csv(tmp_path / "f.csv", rows)
    report = tmp_path / "out" / "report.json"
    report.parent.mkdir()
    code, output = invoke(
        database_url, str(path), "--mapping", str(NYC_MAPPING), "--report", str(report)
    )
    assert code == 2, output  # finished, one row quarantined
    assert "invalid_identifier" in output and "rows/s" in output
    data = orjson.loads(report.read_bytes())
    assert data["outcomes"] == {"accepted": 2, "duplicate": 0, "quarantined": 1}
    assert data["quarantined_rows"][0]["row"] == 3  # the line: the header is line 1
    code, output = invoke(
        database_url, str(path), "--mapping", str(NYC_MAPPING), "--report", str(report),
        "--chunk-size", "1",
    )  # fmt: skip
    assert code == 2
    assert orjson.loads(report.read_bytes())["outcomes"]["duplicate"] == 2


def test_an_invalid_mapping_fails_naming_the_key(database_url: str, tmp_path: Path) -> None:
    data = yaml.safe_load(NYC_MAPPING.read_text())
    data["payload"]["score"]["colum"] = "score"
    mapping = tmp_path / "m.yaml"
    mapping.write_text(yaml.safe_dump(data))
    path = write_csv(tmp_path / "f.csv", [inspection_row(1)])
    code, output = invoke(database_url, str(path), "--mapping", str(mapping))
    assert code == 1
    assert "payload.score.colum" in output


def test_a_different_furnisher_or_a_missing_file_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", [inspection_row(1)])
    code, output = invoke(
        database_url, str(path), "--mapping", str(NYC_MAPPING), "--furnisher", "city_court"
    )
    assert code == 1 and "differs" in output
    code, output = invoke(database_url, str(tmp_path / "none.csv"), "--mapping", str(NYC_MAPPING))
    assert code == 1 and "no such file" in output
