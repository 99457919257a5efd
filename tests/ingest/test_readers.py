"""Readers: CSV (plain and gzip), JSON Lines and Parquet, streamed in chunks."""

from __future__ import annotations

import gzip
import string
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from credo.errors import ValidationFailed
from credo.ingest.readers import BadRow, detect_format, file_digest, read_chunks

from .conftest import inspection_row, write_csv

ROWS = [inspection_row(i) for i in range(25)]


def read_all(path: Path, chunk_size: int = 10) -> list[tuple[int, object]]:
    chunks = list(read_chunks(path, chunk_size))
    assert all(len(c) <= chunk_size for c in chunks)
    return [item for chunk in chunks for item in chunk]


def test_csv_rows_are_numbered_by_their_line_in_chunks(tmp_path: Path) -> None:
    items = read_all(write_csv(tmp_path / "f.csv", ROWS))
    assert [n for n, _ in items] == list(range(2, 27))  # the header is line 1
    assert [row for _, row in items] == ROWS


def test_gzip_csv_reads_the_same(tmp_path: Path) -> None:
    plain = write_csv(tmp_path / "f.csv", ROWS)
    packed = tmp_path / "f.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_all(packed) == read_all(plain)


def test_a_csv_line_with_the_wrong_width_is_a_bad_row(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a,b\n1,2\n1,2,3\n\n4,5\n")
    items = read_all(path)
    assert items[0] == (2, {"a": "1", "b": "2"})
    assert isinstance(items[1][1], BadRow) and items[1][1].code == "malformed_row"
    assert items[1][1].detail == "line 3: 3 fields where the header has 2"
    assert items[2] == (5, {"a": "4", "b": "5"})  # the blank line is not a row


def test_a_repeated_header_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text("a,a\n1,2\n")
    with pytest.raises(ValidationFailed, match="repeats"):
        read_all(path)


def test_jsonl_keeps_line_numbers_and_reports_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"a": 1}\n\nnot json\n[1, 2]\n{"a": null}\n')
    items = read_all(path)
    assert items[0] == (1, {"a": 1})
    assert [n for n, _ in items] == [1, 3, 4, 5]
    assert isinstance(items[1][1], BadRow) and "JSON" in items[1][1].detail
    assert isinstance(items[2][1], BadRow) and "object" in items[2][1].detail
    assert items[3] == (5, {"a": None})


def test_parquet_is_read_in_batches(tmp_path: Path) -> None:
    path = tmp_path / "f.parquet"
    pq.write_table(pa.Table.from_pylist(ROWS), path)
    items = read_all(path, chunk_size=7)
    assert [row for _, row in items] == ROWS
    assert [n for n, _ in items] == list(range(1, 26))


def test_unknown_formats_and_missing_files_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="unknown file format"):
        detect_format(tmp_path / "f.xlsx")
    with pytest.raises(ValidationFailed, match="no such file"):
        read_all(tmp_path / "missing.csv")
    assert detect_format(Path("x.ndjson.gz")) == "jsonl"


def test_the_digest_covers_the_file_and_the_mapping(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", ROWS)
    assert file_digest(path, b"m1") == file_digest(path, b"m1")
    assert file_digest(path, b"m1") != file_digest(path, b"m2")


cell = st.text(alphabet=string.printable + "éß中文,\"'\n", max_size=12)
table = st.lists(st.fixed_dictionaries({"k": cell, "v": cell, "w": cell}), max_size=30)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(rows=table, chunk_size=st.integers(1, 8))
def test_every_format_round_trips_any_text(
    tmp_path: Path, rows: list[dict[str, str]], chunk_size: int
) -> None:
    csv_path = write_csv(tmp_path / "p.csv", rows, ["k", "v", "w"])
    jsonl_path = tmp_path / "p.jsonl"
    jsonl_path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    parquet_path = tmp_path / "p.parquet"
    pq.write_table(
        pa.Table.from_pylist(rows, schema=pa.schema([(c, pa.string()) for c in "kvw"])),
        parquet_path,
    )
    for path in (csv_path, jsonl_path, parquet_path):
        got = [row for _, row in read_all(path, chunk_size)]
        assert got == rows, path.suffix
