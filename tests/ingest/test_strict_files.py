"""Files that account for every line (issue 11, items 6 and 10), on SQLite and PostgreSQL: a
stray quote quarantines its own line and nothing else, every run (failed or not) writes its
report to ``ingest_runs``, an empty file or one with nothing accepted is a failure unless
allowed, references are not numbered by default, and dates are read strictly."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, select

from credo.errors import ValidationFailed
from credo.ingest import service
from credo.ingest.mapping import load_mapping, parse_mapping
from credo.ingest.service import IngestFailed, IngestRequest, IngestResult, ingest_file
from credo.ingest.tables import ingest_runs, quarantine
from credo.records.service import WriteContext
from credo.records.tables import record_current

from .conftest import NYC_MAPPING, inspection_row, write_csv

STRAY_LINE = 8
REFERENCE = "{camis}:{inspection_date}:{inspection_type}:{violation_code}"


def run(
    engine: Engine,
    ctx: WriteContext,
    path: Path,
    mapping_path: Path = NYC_MAPPING,
    chunk_size: int = 5,
    allow_empty: bool = False,
) -> IngestResult:
    mapping, content = load_mapping(mapping_path)
    request = IngestRequest(
        path, mapping, content, mapping_path.name, chunk_size=chunk_size, allow_empty=allow_empty
    )
    return ingest_file(engine, ctx, request)


def the_run(engine: Engine) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(ingest_runs).order_by(ingest_runs.c.id.desc())).mappings().first()
    assert row is not None
    return dict(row)


def run_report(engine: Engine) -> dict[str, Any]:
    keys = ("status", "lines_read", "rows_read", "accepted", "duplicate", "quarantined")
    row = the_run(engine)
    return {k: row[k] for k in (*keys, "not_reached")}


def stray_quote_file(tmp_path: Path) -> tuple[Path, list[dict[str, str]], int]:
    """21 lines: the header and 20 rows; line 8 opens a quote in its ``action`` field that it
    never closes. Returns the file, its rows (row i on line i + 2) and the quote's column."""
    rows = [inspection_row(i) for i in range(20)]
    path = write_csv(tmp_path / "stray.csv", rows)
    lines = path.read_text().splitlines(keepends=True)
    lines[STRAY_LINE - 1] = lines[STRAY_LINE - 1].replace(",Violations", ',"Violations', 1)
    path.write_text("".join(lines))
    assert len(lines) == 21
    return path, rows, lines[STRAY_LINE - 1].index('"') + 1


def outcome_by_line(engine: Engine, rows: list[dict[str, str]]) -> dict[int, str]:
    """For each line of the file: accepted, or the reason it was quarantined with."""
    with engine.connect() as conn:
        stored = set(conn.execute(select(record_current.c.source_ref)).scalars())
        query = select(quarantine.c.row_number, quarantine.c.reason_code)
        reasons: dict[int, str] = {number: reason for number, reason in conn.execute(query)}
    outcome = {}
    for i, row in enumerate(rows):
        line = i + 2
        outcome[line] = "accepted" if REFERENCE.format(**row) in stored else reasons.get(line, "-")
    return outcome


def test_a_stray_quote_in_21_lines_quarantines_its_line_alone(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    path, rows, column = stray_quote_file(tmp_path)
    result = run(engine, write_ctx, path)
    expected = {line: "accepted" for line in range(2, 22)} | {STRAY_LINE: "stray_quote"}
    assert outcome_by_line(engine, rows) == expected
    assert run_report(engine) == {
        "status": "finished",
        "lines_read": 21,
        "rows_read": 20,
        "accepted": 19,
        "duplicate": 0,
        "quarantined": 1,
        "not_reached": 0,
    }
    (bad,) = result.quarantined_rows
    assert bad["row"] == STRAY_LINE
    assert bad["detail"].startswith(f"line {STRAY_LINE}, column {column}: a quote opens a field")
    assert bad["raw"]["_line"].startswith(rows[STRAY_LINE - 2]["camis"])


def test_a_file_that_cannot_be_read_to_its_end_writes_its_report(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    plain = write_csv(tmp_path / "f.csv", [inspection_row(i) for i in range(3000)])
    packed = gzip.compress(plain.read_bytes())
    path = tmp_path / "f.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(IngestFailed) as failed:
        run(engine, write_ctx, path, chunk_size=100)
    report = run_report(engine)
    assert report["status"] == "failed"
    assert 0 < report["lines_read"] < 3001
    # every line read before the damage ended as a row (none left in a chunk): line 1 is the
    # header
    assert report["rows_read"] == report["accepted"] == report["lines_read"] - 1
    assert report["not_reached"] == 0
    error = the_run(engine)["error"]
    assert error == failed.value.detail and "\n" not in error
    assert f"cannot be read past line {report['lines_read']:,}" in error
    assert "truncated" in error


def test_a_database_failure_mid_run_reports_the_rows_not_reached(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service.append_prepared
    calls = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the database went away\nwith a long trace")
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "append_prepared", failing)
    path = write_csv(tmp_path / "f.csv", [inspection_row(i) for i in range(23)])
    with pytest.raises(RuntimeError):
        run(engine, write_ctx, path, chunk_size=5)
    assert run_report(engine) == {
        "status": "failed",
        "lines_read": 16,  # the header and three chunks of five rows
        "rows_read": 10,
        "accepted": 10,
        "duplicate": 0,
        "quarantined": 0,
        "not_reached": 5,
    }
    assert the_run(engine)["error"] == "RuntimeError: the database went away"


@pytest.mark.parametrize(
    ("content", "code"),
    [("", "empty_file"), (",".join(inspection_row(0)) + "\n", "empty_file")],
    ids=["no bytes", "header only"],
)
def test_an_empty_file_fails_unless_allowed(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path, content: str, code: str
) -> None:
    path = tmp_path / "empty.csv"
    path.write_text(content)
    with pytest.raises(IngestFailed, match="no rows to ingest") as failed:
        run(engine, write_ctx, path)
    assert failed.value.code == code
    assert the_run(engine)["status"] == "failed"
    assert "--allow-empty" in the_run(engine)["error"]
    assert run(engine, write_ctx, path, allow_empty=True).status == "finished"
    assert the_run(engine)["error"] is None


def test_a_file_with_nothing_accepted_fails_unless_allowed(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", [inspection_row(i, camis="bad") for i in range(3)])
    with pytest.raises(IngestFailed, match="none of its 3 rows was accepted") as failed:
        run(engine, write_ctx, path)
    assert failed.value.code == "nothing_accepted"
    assert "invalid_identifier 3" in failed.value.detail
    # what is wrong, said once, with the row and the mapping's column (issue 15)
    assert "; first: row 2: column 'camis' (nyc_camis): 'bad'" in failed.value.detail
    assert run_report(engine)["status"] == "failed"
    assert run_report(engine)["quarantined"] == 3
    allowed = run(engine, write_ctx, path, allow_empty=True)
    assert allowed.status == "finished" and allowed.counts["quarantined"] == 3


def test_a_file_of_duplicates_only_is_a_success(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", [inspection_row(i) for i in range(3)])
    run(engine, write_ctx, path)
    again = run(engine, write_ctx, path)
    assert again.status == "finished" and again.counts["duplicate"] == 3


def variant(tmp_path: Path, edit: Any) -> Path:
    data = yaml.safe_load(NYC_MAPPING.read_text())
    edit(data)
    parse_mapping(data)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_a_doubled_file_gives_duplicates_not_twice_the_records(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    mapping = variant(tmp_path, lambda d: d["source_ref"].pop("number_repeats"))
    rows = [inspection_row(i) for i in range(6)]
    result = run(engine, write_ctx, write_csv(tmp_path / "f.csv", rows + rows), mapping)
    assert (result.counts["accepted"], result.counts["duplicate"]) == (6, 6)
    with engine.connect() as conn:
        refs = list(conn.execute(select(record_current.c.source_ref)).scalars())
    assert len(refs) == 6 and not any("#" in ref for ref in refs)


DATES = {
    "2015-02-09T25:00": "invalid_date",
    "2015-02-09T10:61": "invalid_date",
    "2015-02-30": "invalid_date",
    "2015-02-09junk": "invalid_date",
    "20150209": "invalid_date",
    "1900-01-01": "implausible_date",
    "1970-01-01": "implausible_date",
    "2015-02-09T10:30": "accepted",
    "2015-02-09 10:30:00.000": "accepted",
    "2015-02-09T23:30-05:00": "accepted",
}


def test_dates_are_read_strictly_and_must_be_plausible(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    rows = [inspection_row(i, inspection_date=value) for i, value in enumerate(DATES)]
    rows.append(inspection_row(20, grade_date="2015-02-09T25:00"))  # a payload date
    path = write_csv(tmp_path / "f.csv", rows)
    result = run(engine, write_ctx, path)
    reasons = {r["row"]: r["reason"] for r in result.quarantined_rows}
    got = {value: reasons.get(i + 2, "accepted") for i, value in enumerate(DATES)}
    assert got == DATES
    assert reasons[12] == "invalid_date"  # line 12: the last row
    details = {r["row"]: r["detail"] for r in result.quarantined_rows}
    assert details[2] == (
        "row 2: column 'inspection_date' (occurred_on) holds '2015-02-09T25:00', which is not "
        "a date (YYYY-MM-DD, or with a valid time: YYYY-MM-DDTHH:MM[:SS])"
    )
    assert details[7].startswith(
        "row 7: column 'inspection_date' (occurred_on) holds 1900-01-01, before 1990-01-01, the "
        "earliest plausible date for food_safety_inspection"
    )
    assert details[12].startswith("row 12: payload.grade_date holds '2015-02-09T25:00'")
    with engine.connect() as conn:
        days = set(conn.execute(select(record_current.c.occurred_on)).scalars())
    assert {str(day) for day in days} == {"2015-02-09"}  # the date as written, time dropped


def test_the_earliest_plausible_date_is_set_per_record_type(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    def later(data: dict[str, Any]) -> None:
        data["dates"] = {"by_record_type": {"food_safety_inspection": "2015-03-01"}}

    rows = [
        inspection_row(0, inspection_date="2015-02-28"),
        inspection_row(1, inspection_date="2015-03-01"),
    ]
    result = run(engine, write_ctx, write_csv(tmp_path / "f.csv", rows), variant(tmp_path, later))
    assert [(r["row"], r["reason"]) for r in result.quarantined_rows] == [(2, "implausible_date")]
    assert result.counts["accepted"] == 1


def test_a_plausible_date_for_an_unknown_record_type_is_a_mapping_error(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    def unknown(data: dict[str, Any]) -> None:
        data["dates"] = {"by_record_type": {"no_such_type": "2015-03-01"}}

    path = write_csv(tmp_path / "f.csv", [inspection_row(0)])
    with pytest.raises(ValidationFailed, match=r"dates\.by_record_type\.no_such_type"):
        run(engine, write_ctx, path, variant(tmp_path, unknown))
