"""`credo ingest` on the command line: report, summary, exit codes, clear mapping errors."""

from __future__ import annotations

import gzip
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


def ingest_file_cli(database_url: str, path: Path, tmp_path: Path, *extra: str) -> tuple[int, str]:
    report = tmp_path / "report.json"
    return invoke(
        database_url, str(path), "--mapping", str(NYC_MAPPING), "--report", str(report), *extra
    )


def test_exit_0_when_every_row_is_accepted_or_a_duplicate(
    database_url: str, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", [inspection_row(1), inspection_row(2)])
    assert ingest_file_cli(database_url, path, tmp_path)[0] == 0
    code, output = ingest_file_cli(database_url, path, tmp_path)
    assert code == 0, output  # all duplicates: nothing lost, nothing new
    assert orjson.loads((tmp_path / "report.json").read_bytes())["outcomes"]["duplicate"] == 2


def test_the_stray_quote_file_exits_2_and_names_the_line_and_column(
    database_url: str, tmp_path: Path
) -> None:
    rows = [inspection_row(i) for i in range(20)]
    path = write_csv(tmp_path / "stray.csv", rows)
    lines = path.read_text().splitlines(keepends=True)
    lines[7] = lines[7].replace(",Violations", ',"Violations', 1)
    path.write_text("".join(lines))
    code, output = ingest_file_cli(database_url, path, tmp_path)
    assert code == 2, output
    assert "stray_quote" in output
    report = orjson.loads((tmp_path / "report.json").read_bytes())
    assert report["status"] == "finished" and report["error"] is None
    assert (report["lines_read"], report["rows_read"], report["not_reached"]) == (21, 20, 0)
    assert report["outcomes"] == {"accepted": 19, "duplicate": 0, "quarantined": 1}
    (bad,) = report["quarantined_rows"]
    column = lines[7].index('"') + 1
    assert (bad["row"], bad["reason"]) == (8, "stray_quote")
    assert bad["detail"].startswith(f"line 8, column {column}: a quote opens a field")


def test_an_empty_file_exits_1_unless_allowed(database_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [])
    code, output = ingest_file_cli(database_url, path, tmp_path)
    assert code == 1
    assert "no rows to ingest" in " ".join(output.split())
    report = orjson.loads((tmp_path / "report.json").read_bytes())
    assert report["status"] == "failed" and "no rows" in report["error"]
    code, output = ingest_file_cli(database_url, path, tmp_path, "--allow-empty")
    assert code == 0, output


def test_nothing_accepted_exits_1_unless_allowed_then_2(database_url: str, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "f.csv", [inspection_row(1, camis="x"), inspection_row(2, camis="y")]
    )
    code, output = ingest_file_cli(database_url, path, tmp_path)
    assert code == 1
    assert "none of its 2 rows was accepted" in " ".join(output.split())
    code, output = ingest_file_cli(database_url, path, tmp_path, "--allow-empty")
    assert code == 2, output


def test_a_truncated_file_exits_1_with_its_report_written(
    database_url: str, tmp_path: Path
) -> None:
    plain = write_csv(tmp_path / "f.csv", [inspection_row(i) for i in range(3000)])
    packed = gzip.compress(plain.read_bytes())
    path = tmp_path / "f.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    code, output = ingest_file_cli(database_url, path, tmp_path, "--chunk-size", "500")
    assert code == 1
    assert "cannot be read past line" in " ".join(output.split())
    report = orjson.loads((tmp_path / "report.json").read_bytes())
    assert report["status"] == "failed" and "truncated" in report["error"]
    assert report["rows_read"] == report["outcomes"]["accepted"] == report["lines_read"] - 1
    assert report["counts_add_up"] is True
