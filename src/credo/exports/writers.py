"""Streaming writers: rows arrive in chunks and leave at once, so an export of any size holds
one chunk in memory (CSV and JSON Lines line by line, Parquet one row group per chunk through
pyarrow's ``ParquetWriter``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, BinaryIO, Literal, Protocol

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

Format = Literal["csv", "parquet", "jsonl"]
FORMATS: tuple[Format, ...] = ("csv", "parquet", "jsonl")


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: pa.DataType


class RowWriter(Protocol):
    def write(self, rows: Sequence[Mapping[str, Any]]) -> None: ...

    def close(self) -> None: ...


def open_writer(fmt: Format, out: BinaryIO, columns: Sequence[Column]) -> RowWriter:
    """A writer of ``columns`` in ``fmt`` onto the binary stream ``out`` (left open)."""
    if fmt == "csv":
        return CsvWriter(out, columns)
    if fmt == "jsonl":
        return JsonLinesWriter(out, columns)
    return ParquetRowWriter(out, columns)


def _text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


class CsvWriter:
    def __init__(self, out: BinaryIO, columns: Sequence[Column]) -> None:
        self._names = [c.name for c in columns]
        self._text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        self._csv = csv.writer(self._text)
        self._csv.writerow(self._names)

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._csv.writerows([_text(row[name]) for name in self._names] for row in rows)

    def close(self) -> None:
        self._text.flush()
        self._text.detach()  # the caller owns ``out``


class JsonLinesWriter:
    def __init__(self, out: BinaryIO, columns: Sequence[Column]) -> None:
        self._out = out
        self._names = [c.name for c in columns]

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        self._out.write(
            b"".join(
                orjson.dumps({name: row[name] for name in self._names}) + b"\n" for row in rows
            )
        )

    def close(self) -> None:
        self._out.flush()


class ParquetRowWriter:
    def __init__(self, out: BinaryIO, columns: Sequence[Column]) -> None:
        self._schema = pa.schema([pa.field(c.name, c.type) for c in columns])
        self._writer = pq.ParquetWriter(out, self._schema)

    def write(self, rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            self._writer.write_batch(pa.RecordBatch.from_pylist(list(rows), schema=self._schema))

    def close(self) -> None:
        self._writer.close()
