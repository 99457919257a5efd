"""File ingestion: read in chunks, map, validate, append through the one write path.

Each chunk is one transaction holding its accepted statements, its quarantined rows and the
run's progress, so a process killed at any moment leaves whole chunks only; re-running the
file turns what was committed into duplicates (same ids, same content) and quarantine rows
collide on UNIQUE(source_key, row_number). Every row read ends accepted, duplicate or
quarantined with a machine-readable reason."""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Engine

from credo.db.bulk import frozen_heap
from credo.errors import ValidationFailed
from credo.ingest import repository
from credo.ingest.mapping import Mapping, check_against_catalogue
from credo.ingest.readers import (
    BadRow,
    Chunk,
    Row,
    check_readable,
    file_digest,
    read_chunks,
)
from credo.ingest.transform import RowMapper, quarantine_raw, without_nul
from credo.records.model import Rejection, Statement
from credo.records.service import WriteContext, append_statements
from credo.records.validate import StatementValidator

DEFAULT_CHUNK_SIZE = 5000
SAMPLE = 1000
Rejected = tuple[int, Rejection, dict[str, Any]]  # row number, reason, raw values
OUTCOMES = ("accepted", "duplicate", "quarantined")


@dataclass(frozen=True)
class IngestRequest:
    path: Path
    mapping: Mapping
    mapping_bytes: bytes
    mapping_name: str
    furnisher_id: str | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE


@dataclass
class IngestResult:
    run_id: int
    source_key: str
    furnisher_id: str
    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    # The first SAMPLE quarantined rows, for display; all of them go to the spool file.
    quarantined_rows: list[dict[str, Any]] = field(default_factory=list)
    spool: IO[bytes] = field(default_factory=tempfile.TemporaryFile)

    def spooled_rows(self) -> Iterator[bytes]:
        """Every quarantined row of this run as JSON, in order (memory stays flat)."""
        self.spool.flush()
        self.spool.seek(0)
        yield from (line.rstrip(b"\n") for line in self.spool)

    @property
    def rows_read(self) -> int:
        return self.counts["rows_read"]

    def add_up(self) -> bool:
        return sum(self.counts[o] for o in OUTCOMES) == self.rows_read


def resolve_furnisher(mapping: Mapping, given: str | None) -> str:
    """The furnisher named on the command line or in the mapping; never two different ones."""
    if given and mapping.furnisher and given != mapping.furnisher:
        raise ValidationFailed(
            f"--furnisher {given!r} differs from the mapping's furnisher {mapping.furnisher!r}",
            code="furnisher_mismatch",
        )
    furnisher = given or mapping.furnisher
    if not furnisher:
        raise ValidationFailed(
            "no furnisher: name one in the mapping or with --furnisher", code="missing_furnisher"
        )
    return furnisher


def ingest_file(
    engine: Engine,
    ctx: WriteContext,
    request: IngestRequest,
    on_chunk: Callable[[int], None] | None = None,
) -> IngestResult:
    """Ingest ``request.path``; ``on_chunk(rows)`` is told after each committed chunk."""
    furnisher_id = resolve_furnisher(request.mapping, request.furnisher_id)
    check_against_catalogue(request.mapping, ctx.catalogue, furnisher_id)
    check_readable(request.path)
    source_key = file_digest(request.path, request.mapping_bytes)
    with engine.begin() as conn:
        run_id = repository.start_run(
            conn,
            source_key=source_key,
            source_name=str(request.path),
            mapping=request.mapping_name,
            furnisher_id=furnisher_id,
            started_at=ctx.clock.now(),
        )
    result = IngestResult(run_id, source_key, furnisher_id)
    chunker = _ChunkIngester(engine, ctx, request.mapping, result)
    try:
        with frozen_heap():
            for chunk in read_chunks(request.path, max(1, request.chunk_size)):
                chunker.ingest(chunk)
                if on_chunk is not None:
                    on_chunk(len(chunk))
    except ValidationFailed:
        _finish(engine, ctx, result, "failed")  # the committed chunks stand
        raise
    _finish(engine, ctx, result, "finished")
    return result


def _finish(engine: Engine, ctx: WriteContext, result: IngestResult, status: str) -> None:
    with engine.begin() as conn:
        repository.update_run(
            conn, result.run_id, result.counts, status=status, finished_at=ctx.clock.now()
        )


class _ChunkIngester:
    """Holds what lives for the whole file: the row mapper (repeat numbering) and the
    validator (its identifier and payload-check caches)."""

    def __init__(
        self, engine: Engine, ctx: WriteContext, mapping: Mapping, result: IngestResult
    ) -> None:
        self.engine = engine
        self.ctx = ctx
        self.result = result
        self.mapper = RowMapper(mapping)
        self.validator = StatementValidator(ctx.catalogue, result.furnisher_id, ctx.clock.today())

    def ingest(self, chunk: Chunk) -> None:
        """One chunk, one transaction: its records, its quarantine rows, the run's progress."""
        items, rows, rejected = self._prepare(chunk)
        with self.engine.begin() as conn:
            repository.prepare_bulk_session(conn)
            outcomes = append_statements(conn, self.ctx, self.result.furnisher_id, items)
            for outcome in outcomes:
                if outcome.outcome == "quarantined" and outcome.reason is not None:
                    rejected.append((outcome.row, outcome.reason, _raw_of(rows[outcome.row])))
                else:
                    self.result.counts[outcome.outcome] += 1
            self._quarantine(rejected)
            self.result.counts["rows_read"] += len(chunk)
            repository.update_run(conn, self.result.run_id, self.result.counts)
            repository.add_quarantine(conn, self._quarantine_rows(rejected))

    def _prepare(
        self, chunk: Chunk
    ) -> tuple[list[tuple[int, Statement]], dict[int, Row | BadRow], list[Rejected]]:
        """Map and validate (no database): statements to append, and rejections."""
        items: list[tuple[int, Statement]] = []
        rows: dict[int, Row | BadRow] = {}
        rejected: list[Rejected] = []
        for number, row in chunk:
            checked = self._check(number, row)
            if isinstance(checked, Rejection):
                rejected.append((number, checked, _raw_of(row)))
            else:
                items.append((number, checked))
                rows[number] = row
        return items, rows, rejected

    def _check(self, number: int, row: Row | BadRow) -> Statement | Rejection:
        if isinstance(row, BadRow):
            return Rejection(row.code, row.detail)
        raw = self.mapper.map(row, number)
        if isinstance(raw, Rejection):
            return raw
        checked = self.validator.validate(raw)
        if isinstance(checked, Rejection):
            return self.mapper.explain(checked, number)
        return checked

    def _quarantine(self, rejected: list[Rejected]) -> None:
        for number, reason, raw in sorted(rejected, key=lambda r: r[0]):
            self.result.counts["quarantined"] += 1
            self.result.reasons[reason.code] += 1
            entry = {"row": number, "reason": reason.code, "detail": reason.detail, "raw": raw}
            self.result.spool.write(orjson.dumps(entry) + b"\n")
            if len(self.result.quarantined_rows) < SAMPLE:
                self.result.quarantined_rows.append(entry)

    def _quarantine_rows(self, rejected: list[Rejected]) -> list[dict[str, Any]]:
        now = self.ctx.clock.now()
        return [
            {
                "source_key": self.result.source_key,
                "row_number": number,
                "furnisher_id": self.result.furnisher_id,
                "reason_code": reason.code,
                "detail": reason.detail,
                "raw": raw,
                "created_at": now,
            }
            for number, reason, raw in rejected
        ]


def _raw_of(row: Row | BadRow) -> dict[str, Any]:
    if isinstance(row, BadRow):
        return {"_line": without_nul(row.text)}
    return quarantine_raw(row)


def write_report(result: IngestResult, request: IngestRequest, target: Path) -> None:
    """The run's JSON report: counts by outcome and by reason, and every quarantined row
    (streamed from the spool, so a file with millions of bad rows needs no memory)."""
    head = {
        "run_id": result.run_id,
        "source": str(request.path),
        "source_key": result.source_key,
        "mapping": request.mapping_name,
        "furnisher": result.furnisher_id,
        "rows_read": result.rows_read,
        "outcomes": {o: result.counts[o] for o in OUTCOMES},
        "counts_add_up": result.add_up(),
        "reasons": dict(sorted(result.reasons.items())),
    }
    with target.open("wb") as out:
        out.write(orjson.dumps(head, option=orjson.OPT_INDENT_2)[:-2])  # reopen the object
        out.write(b',\n  "quarantined_rows": [')
        for index, line in enumerate(result.spooled_rows()):
            out.write(b"\n    " if index == 0 else b",\n    ")
            out.write(line)
        out.write(b"\n  ]\n}\n")
