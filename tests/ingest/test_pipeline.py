"""The ingestion pipeline end to end on both databases: every quarantine reason, the
report, idempotent re-runs and counts that always add up."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text

from credo.errors import ValidationFailed
from credo.ingest import repository
from credo.ingest.mapping import load_mapping, parse_mapping
from credo.ingest.service import IngestRequest, IngestResult, ingest_file, write_report
from credo.ingest.tables import ingest_runs, quarantine
from credo.ingest.transform import WITHHELD
from credo.records.service import WriteContext
from credo.records.tables import record_current, record_statements

from .conftest import NYC_MAPPING, inspection_row, write_csv

TABLES = ("record_statements", "record_current", "subjects", "subject_identifiers", "quarantine")


def run(
    engine: Engine,
    ctx: WriteContext,
    path: Path,
    mapping_path: Path = NYC_MAPPING,
    chunk_size: int = 7,
    allow_empty: bool = True,
) -> IngestResult:
    """A run; ``allow_empty`` by default, so that a file whose every row is quarantined (what
    many of these tests make) returns its result (test_strict_files covers the failure)."""
    mapping, content = load_mapping(mapping_path)
    request = IngestRequest(
        path, mapping, content, mapping_path.name, chunk_size=chunk_size, allow_empty=allow_empty
    )
    result = ingest_file(engine, ctx, request)
    assert result.add_up()
    return result


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"select count(*) from {t}")).scalar_one() for t in TABLES}


def reasons_by_row(engine: Engine) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(select(quarantine.c.row_number, quarantine.c.reason_code))
        return {number: reason for number, reason in rows}


BAD = {
    "bad_identifier": ({"camis": "12AB"}, "invalid_identifier"),
    "not_inspected": (
        {
            "inspection_type": "",
            "action": "",
            "score": "",
            "grade": "",
            "inspection_date": "1900-01-01",
        },
        "not_inspected",
    ),
    "negative_score": ({"score": "-2"}, "payload_invalid"),
    "bad_grade": ({"grade": "Q"}, "payload_invalid"),
    "future_date": ({"inspection_date": "2999-01-01"}, "future_date"),
    "bad_date": ({"inspection_date": "2015-13-45"}, "invalid_date"),
}


def test_each_reason_is_quarantined_with_its_row_and_the_rest_accepted(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    rows = [inspection_row(i) for i in range(20)]
    for offset, (change, _) in enumerate(BAD.values()):
        rows[offset * 3] = inspection_row(offset * 3, **change)
    result = run(engine, write_ctx, write_csv(tmp_path / "f.csv", rows))
    # row numbers are lines: data row n is line n + 1
    expected = {offset * 3 + 2: reason for offset, (_, reason) in enumerate(BAD.values())}
    assert reasons_by_row(engine) == expected
    assert result.counts["accepted"] == 20 - len(BAD)
    assert result.counts["quarantined"] == len(BAD)
    write_report(result, _request(tmp_path / "f.csv"), tmp_path / "report.json")
    report = orjson.loads((tmp_path / "report.json").read_bytes())
    assert report["outcomes"] == {"accepted": 14, "duplicate": 0, "quarantined": 6}
    assert report["counts_add_up"] is True
    assert sum(report["reasons"].values()) == 6
    assert {r["row"]: r["reason"] for r in report["quarantined_rows"]} == expected
    assert report["quarantined_rows"][0]["raw"]["camis"] == "12AB"


def _request(path: Path) -> IngestRequest:
    mapping, content = load_mapping(NYC_MAPPING)
    return IngestRequest(path, mapping, content, NYC_MAPPING.name)


def test_the_payload_is_faithful_to_the_row(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    row = inspection_row(
        3,
        inspection_type="Pre-permit (Operational) / Re-inspection",
        grade="Not Yet Graded",
        score="31",
        critical_flag="Not Applicable",
        violation_code="",
    )
    run(engine, write_ctx, write_csv(tmp_path / "f.csv", [row]))
    with engine.connect() as conn:
        stored = conn.execute(select(record_statements)).mappings().one()
    assert stored["payload"] == {
        "programme": "Pre-permit (Operational)",
        "inspection_kind": "Re-inspection",
        "action": row["action"],
        "score": 31,
        "grade": "N",
        "grade_date": row["grade_date"],
    }  # critical "Not Applicable" and the empty violation code are absent, not invented
    reference = f"{row['camis']}:{row['inspection_date']}:{row['inspection_type']}:"
    assert stored["source_ref"] == reference
    assert stored["evidence"]["kind"] == "inspection_report"
    assert stored["provenance"] == {"kind": "public_dataset", "channel": "NYC Open Data"}
    assert str(stored["occurred_on"]) == row["inspection_date"]


def test_identical_rows_get_numbered_references_and_a_rerun_changes_nothing(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    rows = [inspection_row(1), inspection_row(1), inspection_row(2), inspection_row(1)]
    path = write_csv(tmp_path / "f.csv", rows)
    first = run(engine, write_ctx, path, chunk_size=2)
    assert first.counts["accepted"] == 4
    before = counts(engine)
    with engine.connect() as conn:
        refs = sorted(conn.execute(select(record_current.c.source_ref)).scalars())
    one = "{camis}:{inspection_date}:{inspection_type}:{violation_code}".format(**rows[0])
    two = "{camis}:{inspection_date}:{inspection_type}:{violation_code}".format(**rows[2])
    assert refs == sorted([one, one + "#2", one + "#3", two])
    second = run(engine, write_ctx, path, chunk_size=3)
    assert second.counts["duplicate"] == 4 and second.counts["accepted"] == 0
    assert counts(engine) == before
    with engine.connect() as conn:
        runs = repository.runs_of_source(conn, first.source_key)
    assert [r["status"] for r in runs] == ["finished", "finished"]
    assert runs[1]["duplicate"] == 4


def test_a_quarantined_row_is_not_doubled_by_a_rerun(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", [inspection_row(1, camis="x"), inspection_row(2)])
    run(engine, write_ctx, path)
    again = run(engine, write_ctx, path)
    assert again.counts["quarantined"] == 1 and again.counts["duplicate"] == 1
    assert counts(engine)["quarantine"] == 1


def jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows) + b"{oops\n")
    return path


def test_jsonl_rows_with_unknown_missing_or_special_category_columns(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    missing = inspection_row(4)
    del missing["score"]
    rows = [
        inspection_row(1),
        inspection_row(2) | {"owner_phone": "555"},
        inspection_row(3) | {"owner_religion": "x"},
        missing,
    ]
    result = run(engine, write_ctx, jsonl(tmp_path / "f.jsonl", rows))
    assert reasons_by_row(engine) == {
        2: "unknown_column",
        3: "special_category_field",
        4: "missing_column",
        5: "malformed_row",
    }
    assert result.counts["accepted"] == 1
    with engine.connect() as conn:
        raw = conn.execute(select(quarantine.c.raw).where(quarantine.c.row_number == 3)).scalar()
    assert raw["owner_religion"] == WITHHELD  # the special-category value is never stored


def mapping_variant(tmp_path: Path, **changes: Any) -> Path:
    data = yaml.safe_load(NYC_MAPPING.read_text())
    data.update(changes)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data))
    parse_mapping(data)
    return path


def test_prohibited_provenance_quarantines_every_row(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", [inspection_row(1), inspection_row(2)])
    cctv = mapping_variant(tmp_path, provenance={"kind": "cctv_footage"})
    result = run(engine, write_ctx, path, cctv)
    assert result.reasons == {"prohibited_provenance": 2}
    assert counts(engine)["record_statements"] == 0


def test_a_furnisher_outside_its_remit_is_quarantined(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", [inspection_row(1)])
    court = mapping_variant(tmp_path, furnisher="city_court")
    assert run(engine, write_ctx, path, court).reasons == {"outside_remit": 1}


def test_a_mapping_that_does_not_fit_the_catalogue_stops_before_any_row(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", [inspection_row(1)])
    bad = mapping_variant(tmp_path, furnisher="nobody")
    with pytest.raises(ValidationFailed, match="furnisher"):
        run(engine, write_ctx, path, bad)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(quarantine)).scalar() == 0


KINDS = ["good", *BAD]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(kinds=st.lists(st.sampled_from(KINDS), max_size=40), chunk_size=st.integers(1, 15))
def test_counts_always_add_up(
    engine: Engine,
    write_ctx: WriteContext,
    tmp_path_factory: pytest.TempPathFactory,
    kinds: list[str],
    chunk_size: int,
) -> None:
    rows = [
        inspection_row(i) if kind == "good" else inspection_row(i, **BAD[kind][0])
        for i, kind in enumerate(kinds)
    ]
    path = write_csv(tmp_path_factory.mktemp("mix") / "f.csv", rows)
    first = run(engine, write_ctx, path, chunk_size=chunk_size)
    bad = sum(kind != "good" for kind in kinds)
    assert first.rows_read == len(kinds)
    assert first.counts["quarantined"] == bad
    assert first.counts["accepted"] + first.counts["duplicate"] == len(kinds) - bad
    again = run(engine, write_ctx, path, chunk_size=chunk_size + 1)
    assert again.counts["accepted"] == 0
    assert again.counts["duplicate"] == len(kinds) - bad


def test_nul_characters_are_quarantined_not_a_crash(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    rows = [inspection_row(1, action="cited\x00"), inspection_row(2) | {"score": [1, "\x00"]}]
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows) + b'{"x": "\x00\n')
    result = run(engine, write_ctx, path)
    assert reasons_by_row(engine) == {1: "invalid_text", 2: "invalid_text", 3: "malformed_row"}
    assert result.quarantined_rows[0]["raw"]["action"] == "cited\ufffd"


def test_bytes_that_are_not_utf8_are_quarantined_not_a_crash(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    good = write_csv(tmp_path / "good.csv", [inspection_row(1), inspection_row(2)])
    path = tmp_path / "latin1.csv"
    path.write_bytes(good.read_bytes().replace(b"BRONX", b"BR\xd6NX", 1))
    result = run(engine, write_ctx, path)
    assert reasons_by_row(engine) == {2: "invalid_text"}
    assert result.counts["accepted"] == 1
    assert result.quarantined_rows[0]["raw"]["boro"] == "BR\ufffdNX"


def test_a_truncated_gzip_is_a_clear_error_after_the_committed_chunks(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    import gzip

    plain = write_csv(tmp_path / "f.csv", [inspection_row(i) for i in range(3000)])
    packed = gzip.compress(plain.read_bytes())
    path = tmp_path / "f.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(ValidationFailed, match="cannot be read past line"):
        run(engine, write_ctx, path, chunk_size=100)
    with engine.connect() as conn:
        runs = conn.execute(select(ingest_runs.c.status, ingest_runs.c.rows_read)).all()
    assert runs[0][0] == "failed" and runs[0][1] > 0


def test_the_report_streams_every_quarantined_row_beyond_the_sample(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from credo.ingest import service

    monkeypatch.setattr(service, "SAMPLE", 2)
    rows = [inspection_row(i, camis="bad") for i in range(5)] + [inspection_row(9)]
    path = write_csv(tmp_path / "f.csv", rows)
    result = run(engine, write_ctx, path)
    assert len(result.quarantined_rows) == 2
    write_report(result, _request(path), tmp_path / "report.json")
    report = orjson.loads((tmp_path / "report.json").read_bytes())
    assert [r["row"] for r in report["quarantined_rows"]] == [2, 3, 4, 5, 6]
    assert report["outcomes"] == {"accepted": 1, "duplicate": 0, "quarantined": 5}


def test_typed_parquet_rows_make_the_same_statements_as_csv(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = [inspection_row(i) for i in range(30)]
    run(engine, write_ctx, write_csv(tmp_path / "f.csv", rows))
    typed = [
        r
        | {
            "inspection_date": date.fromisoformat(r["inspection_date"]),
            "grade_date": date.fromisoformat(r["grade_date"]) if r["grade_date"] else None,
            "score": int(r["score"]),
            "grade": r["grade"] or None,
        }
        for r in rows
    ]
    path = tmp_path / "f.parquet"
    pq.write_table(pa.Table.from_pylist(typed), path)
    again = run(engine, write_ctx, path)
    assert again.counts["duplicate"] == 30, dict(again.reasons)  # same ids, same content


def test_the_declared_finality_is_stored(
    engine: Engine, write_ctx: WriteContext, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "f.csv", [inspection_row(1)])
    run(engine, write_ctx, path, mapping_variant(tmp_path, finality="appealed"))
    with engine.connect() as conn:
        assert conn.execute(select(record_current.c.finality)).scalar_one() == "appealed"
