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
from credo.ingest.readers import (
    FIELD_SIZE_LIMIT,
    BadRow,
    FileReader,
    detect_format,
    file_digest,
    quote_fault,
    read_chunks,
)

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


# -- strict CSV: a stray quote quarantines its own line, never the lines after it ----------------


def test_a_stray_quote_in_a_large_file_is_its_line_alone_not_a_field_limit_error(
    tmp_path: Path,
) -> None:
    rows = [inspection_row(i) for i in range(2000)]  # about 300 kB: far past the field limit
    path = write_csv(tmp_path / "f.csv", rows)
    lines = path.read_text().splitlines(keepends=True)
    lines[9] = lines[9].replace(",Violations", ',"Violations', 1)  # line 10
    path.write_text("".join(lines))
    items = read_all(path, chunk_size=500)
    bad = [(n, row) for n, row in items if isinstance(row, BadRow)]
    assert [(n, row.code) for n, row in bad] == [(10, "stray_quote")]
    column = lines[9].index('"') + 1
    assert bad[0][1].detail.startswith(f"line 10, column {column}: ")
    assert [row for _, row in items if not isinstance(row, BadRow)] == rows[:8] + rows[9:]
    assert [n for n, _ in items] == list(range(2, 2002))


def test_a_field_over_the_size_limit_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text(f"a,b\n1,2\n3,{'x' * (FIELD_SIZE_LIMIT + 10)}\n5,6\n")
    items = read_all(path)
    assert items[0] == (2, {"a": "1", "b": "2"}) and items[2] == (4, {"a": "5", "b": "6"})
    bad = items[1][1]
    assert isinstance(bad, BadRow) and bad.code == "field_too_large"
    assert (
        bad.detail
        == "line 3: a field is longer than 131,072 characters, the most a CSV field may hold"
    )


def test_a_closing_quote_followed_by_text_is_its_line_alone(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('a,b\n1,"x"y\n2,z\n')
    items = read_all(path)
    assert isinstance(items[0][1], BadRow) and items[0][1].code == "stray_quote"
    assert items[0][1].detail.startswith("line 2, column 5: a quote closes a field")
    assert items[1] == (3, {"a": "2", "b": "z"})


def test_a_quoted_field_over_several_lines_is_still_one_row(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_text('a,b\n1,"first line\nsecond, with a comma"\n2,"say ""hi"""\n')
    assert read_all(path) == [
        (2, {"a": "1", "b": "first line\nsecond, with a comma"}),
        (4, {"a": "2", "b": 'say "hi"'}),
    ]


@pytest.mark.parametrize(
    ("line", "fault"),
    [
        ('1,"ab', (3, "a quote opens a field that the line never closes (a stray quote?)")),
        ('"ab""\r\n', (1, "a quote opens a field that the line never closes (a stray quote?)")),
        (
            '1,"a"b,2',
            (5, "a quote closes a field but is followed by 'b', not ',' (a stray quote?)"),
        ),
        ('1,"a""b",2\n', None),
        ('1,a"b,2', None),  # a quote inside an unquoted field is data, as for csv.reader
        ("", None),
        ('1,"",', None),
    ],
)
def test_the_column_of_a_stray_quote(line: str, fault: tuple[int, str] | None) -> None:
    assert quote_fault(line) == fault


def test_a_truncated_gzip_yields_every_row_before_the_damage_then_names_the_line(
    tmp_path: Path,
) -> None:
    plain = write_csv(tmp_path / "f.csv", [inspection_row(i) for i in range(3000)])
    packed = gzip.compress(plain.read_bytes())
    path = tmp_path / "f.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    reader = FileReader(path, 1000)
    numbers: list[int] = []
    with pytest.raises(ValidationFailed) as failed:
        for chunk in reader.chunks():
            numbers += [n for n, _ in chunk]
    assert numbers == list(range(2, reader.lines_read + 1))
    assert failed.value.code == "unreadable_file"
    assert failed.value.detail.startswith(
        f"f.csv.gz: cannot be read past line {reader.lines_read:,}: "
    )
    assert "(the file is truncated)" in failed.value.detail and "\n" not in failed.value.detail


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"\xef\xbb\xbfa,b\n1,2\n")
    assert read_all(path) == [(2, {"a": "1", "b": "2"})]
