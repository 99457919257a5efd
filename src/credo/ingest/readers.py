"""Streaming readers for CSV (also gzip-compressed), JSON Lines and Parquet.

Each yields chunks of ``(row_number, row)`` where ``row`` is a dict of column to value, or a
``BadRow`` when the line could not be parsed (it is quarantined, never skipped). Row numbers
count data rows from 1 (JSON Lines: the line number, so a report points at the line).
No reader loads the whole file."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from credo.errors import ValidationFailed

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadRow:
    """A line that is not a row: its machine-readable reason, a detail and the raw text."""

    code: str
    detail: str
    text: str


Chunk = list[tuple[int, "Row | BadRow"]]

FORMATS = ("csv", "jsonl", "parquet")


def detect_format(path: Path) -> str:
    name = path.name.lower().removesuffix(".gz")
    for suffix, kind in ((".csv", "csv"), (".jsonl", "jsonl"), (".ndjson", "jsonl")):
        if name.endswith(suffix):
            return kind
    if name.endswith(".parquet"):
        return "parquet"
    raise ValidationFailed(
        f"{path.name}: unknown file format (expected .csv, .csv.gz, .jsonl, .jsonl.gz, .parquet)",
        code="unknown_format",
    )


def read_chunks(path: Path, chunk_size: int) -> Iterator[Chunk]:
    """The rows of ``path`` in chunks of at most ``chunk_size``."""
    kind = check_readable(path)
    try:
        if kind == "parquet":
            yield from _parquet_chunks(path, chunk_size)
            return
        with _open_text(path) as text:
            rows = _csv_rows(text, path) if kind == "csv" else _jsonl_rows(text)
            yield from _batched(rows, chunk_size)
    except (OSError, EOFError, csv.Error, ValueError) as exc:
        # A damaged file (truncated gzip, broken Parquet): the committed chunks stand, and a
        # re-run of a repaired file continues idempotently.
        raise ValidationFailed(
            f"{path.name}: cannot be read further: {exc}", code="unreadable_file"
        ) from exc


def check_readable(path: Path) -> str:
    """The file's format; a clear error for an unknown format or a missing file."""
    kind = detect_format(path)
    if not path.is_file():
        raise ValidationFailed(f"{path}: no such file", code="file_not_found")
    return kind


def file_digest(path: Path, extra: bytes = b"") -> str:
    """sha256 of the file's bytes followed by ``extra`` (the mapping): the run's source key."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    digest.update(extra)
    return digest.hexdigest()


def _open_text(path: Path) -> IO[str]:
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(
            gzip.open(path, "rb"), encoding="utf-8", errors="surrogateescape", newline=""
        )
    # Bytes that are not UTF-8 survive as surrogates; the row is quarantined (invalid_text).
    return path.open(encoding="utf-8", errors="surrogateescape", newline="")


def _batched(rows: Iterator[tuple[int, Row | BadRow]], size: int) -> Iterator[Chunk]:
    chunk: Chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _csv_rows(text: IO[str], path: Path) -> Iterator[tuple[int, Row | BadRow]]:
    reader = csv.reader(text)
    header = next(reader, None)
    if not header:
        return
    if len(set(header)) != len(header):
        raise ValidationFailed(f"{path.name}: the header repeats a column name", code="bad_header")
    width = len(header)
    for number, values in enumerate(reader, start=1):
        if len(values) == width:
            yield number, dict(zip(header, values, strict=True))
        elif not values:
            continue  # a blank line is not a row
        else:
            yield (
                number,
                BadRow(
                    "malformed_row",
                    f"{len(values)} fields where the header has {width}",
                    ",".join(values)[:500],
                ),
            )


def _jsonl_rows(text: IO[str]) -> Iterator[tuple[int, Row | BadRow]]:
    for number, line in enumerate(text, start=1):
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except ValueError as exc:  # not JSON, or bytes that are not UTF-8
            yield number, BadRow("malformed_row", f"not valid JSON: {exc}", line[:500])
            continue
        if isinstance(value, dict):
            yield number, value
        else:
            yield number, BadRow("malformed_row", "a line must hold a JSON object", line[:500])


def _parquet_chunks(path: Path, chunk_size: int) -> Iterator[Chunk]:
    import pyarrow.parquet as pq

    number = 0
    with pq.ParquetFile(path) as parquet:
        for batch in parquet.iter_batches(batch_size=chunk_size):
            chunk: Chunk = []
            for row in batch.to_pylist():
                number += 1
                chunk.append((number, row))
            yield chunk
