"""Streaming readers for CSV (also gzip-compressed), JSON Lines and Parquet.

Each yields chunks of ``(row_number, row)`` where ``row`` is a dict of column to value, or a
``BadRow`` when the line could not be parsed (it is quarantined, never skipped). The row
number is the line of the file where the row starts (CSV: the header is line 1; JSON Lines:
the line), so a report points at the line an editor shows; Parquet has no lines and counts
its rows from 1. No reader loads the whole file.

The CSV reader is strict (RFC 4180 as Python's ``csv`` reads it with ``strict=True``). A quote
that opens a field which is never properly closed would otherwise swallow the following lines
into one field: when a record spanning several lines fails (a parse error, the field size
limit, or the wrong number of fields), only its first line is quarantined, with the line and
column of the quote, and the lines after it are read again on their own."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import zlib
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from credo.errors import ValidationFailed

Row = dict[str, Any]

FIELD_SIZE_LIMIT = csv.field_size_limit()  # 131,072 characters: no field may be longer


@dataclass(frozen=True, slots=True)
class BadRow:
    """A line that is not a row: its machine-readable reason, a detail and the raw text."""

    code: str
    detail: str
    text: str


Chunk = list[tuple[int, "Row | BadRow"]]

FORMATS = ("csv", "jsonl", "parquet")
# What a damaged file raises while it is read: truncated or corrupt gzip (EOFError,
# BadGzipFile, zlib.error), broken Parquet (ArrowInvalid is a ValueError), I/O errors.
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError)


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


class FileReader:
    """The rows of one file in chunks, and how many lines of it were read (``lines_read``:
    every physical line taken from the file, header and blank lines included; Parquet: rows).

    A damaged file ends the chunks with a ``ValidationFailed`` (code ``unreadable_file``) on
    one line naming the file and the last line read; the rows read before the damage are
    yielded first, so none of them is lost."""

    def __init__(self, path: Path, chunk_size: int) -> None:
        self.path = path
        self.kind = check_readable(path)
        self.chunk_size = max(1, chunk_size)
        self.lines_read = 0

    def chunks(self) -> Iterator[Chunk]:
        chunk: Chunk = []
        try:
            for item in self._rows():
                chunk.append(item)
                if len(chunk) >= self.chunk_size:
                    yield chunk
                    chunk = []
        except _READ_ERRORS as exc:
            if chunk:
                yield chunk  # rows read before the damage still end accepted or quarantined
            raise ValidationFailed(self._damage(exc), code="unreadable_file") from exc
        if chunk:
            yield chunk

    def _rows(self) -> Iterator[tuple[int, Row | BadRow]]:
        if self.kind == "parquet":
            yield from self._parquet_rows()
            return
        with _open_text(self.path) as text:
            if self.kind == "csv":
                yield from _CsvRows(text, self.path, self).rows()
            else:
                yield from self._jsonl_rows(text)

    def _damage(self, exc: BaseException) -> str:
        what = "rows" if self.kind == "parquet" else "lines"
        cause = str(exc) or type(exc).__name__
        if isinstance(exc, EOFError):
            cause = f"{cause} (the file is truncated)"
        return (
            f"{self.path.name}: cannot be read past {what[:-1]} {self.lines_read:,}: {cause}; "
            f"the {self.lines_read:,} {what} before it are accounted for, the rest was not read"
        )

    def _jsonl_rows(self, text: IO[str]) -> Iterator[tuple[int, Row | BadRow]]:
        for number, line in enumerate(text, start=1):
            self.lines_read = number
            if not line.strip():
                continue
            try:
                value = orjson.loads(line)
            except ValueError as exc:  # not JSON, or bytes that are not UTF-8
                yield (
                    number,
                    BadRow("malformed_row", f"line {number}: not valid JSON: {exc}", line[:500]),
                )
                continue
            if isinstance(value, dict):
                yield number, value
            else:
                detail = f"line {number}: a line must hold a JSON object"
                yield number, BadRow("malformed_row", detail, line[:500])

    def _parquet_rows(self) -> Iterator[tuple[int, Row | BadRow]]:
        import pyarrow.parquet as pq

        with pq.ParquetFile(self.path) as parquet:
            for batch in parquet.iter_batches(batch_size=self.chunk_size):
                for row in batch.to_pylist():
                    self.lines_read += 1
                    yield self.lines_read, row


def read_chunks(path: Path, chunk_size: int) -> Iterator[Chunk]:
    """The rows of ``path`` in chunks of at most ``chunk_size``."""
    return FileReader(path, chunk_size).chunks()


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
    # utf-8-sig: a byte-order mark is not part of the first column's name. Bytes that are not
    # UTF-8 survive as surrogates; the row is quarantined (invalid_text).
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(
            gzip.open(path, "rb"), encoding="utf-8-sig", errors="surrogateescape", newline=""
        )
    return path.open(encoding="utf-8-sig", errors="surrogateescape", newline="")


class _Lines:
    """The file's physical lines for ``csv.reader``, numbered, with the lines of the record
    being parsed kept (``take``) so that a failed record can be split and read again."""

    def __init__(self, text: IO[str], counter: FileReader) -> None:
        self._text = text
        self._counter = counter
        self._again: deque[tuple[int, str]] = deque()
        self._record: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._again:
            item = self._again.popleft()
        else:
            line = next(self._text)
            self._counter.lines_read += 1
            item = (self._counter.lines_read, line)
        self._record.append(item)
        return item[1]

    def take(self) -> list[tuple[int, str]]:
        """The lines read since the last call: the record just parsed (or failed)."""
        record, self._record = self._record, []
        return record

    def read_again(self, lines: list[tuple[int, str]]) -> None:
        self._again.extendleft(reversed(lines))


class _CsvRows:
    def __init__(self, text: IO[str], path: Path, counter: FileReader) -> None:
        self.path = path
        self.lines = _Lines(text, counter)
        self.reader = csv.reader(self.lines, strict=True)

    def rows(self) -> Iterator[tuple[int, Row | BadRow]]:
        header = self._header()
        if not header:
            return
        width = len(header)
        while True:
            try:
                values = next(self.reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield self._split(self.lines.take(), str(exc))
                continue
            lines = self.lines.take()
            if len(values) == width:
                yield lines[0][0], dict(zip(header, values, strict=True))
            elif len(lines) > 1:
                # A quote opened a field across lines and the record came out the wrong width:
                # the quote is the likelier fault than the lines it swallowed.
                yield self._split(lines, f"{len(values)} fields where the header has {width}")
            elif values:  # a blank line is not a row
                detail = f"line {lines[0][0]}: {len(values)} fields where the header has {width}"
                yield lines[0][0], BadRow("malformed_row", detail, lines[0][1][:500])

    def _header(self) -> list[str] | None:
        try:
            header = next(self.reader, None)
        except csv.Error as exc:
            raise ValidationFailed(
                f"{self.path.name}: line 1: the header is not valid CSV: {exc}", code="bad_header"
            ) from exc
        self.lines.take()
        if header and len(set(header)) != len(header):
            raise ValidationFailed(
                f"{self.path.name}: the header repeats a column name", code="bad_header"
            )
        return header

    def _split(self, lines: list[tuple[int, str]], error: str) -> tuple[int, BadRow]:
        """Quarantine the first line of a failed record alone; read the others again."""
        number, text = lines[0]
        self.lines.read_again(lines[1:])
        return number, BadRow(*_diagnose(number, text, error, len(lines) > 1), text[:500])


def _diagnose(number: int, text: str, error: str, spanned: bool) -> tuple[str, str]:
    """The reason code and a one-line detail naming the line (and the column of a stray
    quote) of a line that could not be read as a CSV row."""
    fault = quote_fault(text)
    if fault is not None:
        column, what = fault
        rest = "; the lines after it are read on their own" if spanned else ""
        return "stray_quote", f"line {number}, column {column}: {what}{rest}"
    if "field larger than field limit" in error:
        return (
            "field_too_large",
            f"line {number}: a field is longer than {FIELD_SIZE_LIMIT:,} characters, "
            "the most a CSV field may hold",
        )
    return "malformed_row", f"line {number}: not a valid CSV row: {error}"


def quote_fault(line: str, delimiter: str = ",", quote: str = '"') -> tuple[int, str] | None:
    """The 1-based column of the first quote that keeps ``line`` from being one CSV row on
    its own, and what is wrong with it; None when it has none.

    ``csv.Error`` says what went wrong but not where, so the line is walked again: a field
    that starts with a quote must end with a quote (doubled quotes inside) followed by the
    delimiter or the end of the line. A quote inside an unquoted field is data, as for
    ``csv.reader``, and cannot swallow lines."""
    text = line.rstrip("\r\n")
    start = 0
    while start <= len(text):
        if text.startswith(quote, start):
            close = _closing_quote(text, start + 1, quote)
            if close is None:
                return (
                    start + 1,
                    "a quote opens a field that the line never closes (a stray quote?)",
                )
            after = close + 1
            if after < len(text) and text[after] != delimiter:
                return close + 1, (
                    f"a quote closes a field but is followed by {text[after]!r}, not "
                    f"{delimiter!r} (a stray quote?)"
                )
            start = after + 1
            continue
        comma = text.find(delimiter, start)
        if comma < 0:
            return None
        start = comma + 1
    return None


def _closing_quote(text: str, position: int, quote: str) -> int | None:
    while True:
        close = text.find(quote, position)
        if close < 0:
            return None
        if not text.startswith(quote * 2, close):
            return close
        position = close + 2  # a doubled quote is a quote inside the field
