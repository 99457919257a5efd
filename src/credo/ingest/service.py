"""File ingestion: read in chunks, map, validate, append through the one write path.

Each chunk is one transaction holding its accepted statements, its quarantined rows and the
run's progress, so a process killed at any moment leaves whole chunks only; re-running the
file turns what was committed into duplicates (same ids, same content) and quarantine rows
collide on UNIQUE(source_key, row_number). Every row read ends accepted, duplicate or
quarantined with a machine-readable reason.

Every run, failed or not, ends with its report in its ``ingest_runs`` row: the lines read, the
rows accepted, duplicate and quarantined, the rows read but not reached (the chunk that was
being written when the run failed) and, for a failed run, the error. A run fails when the file
cannot be read to its end, when the database fails, and (unless ``allow_empty``) when the file
holds no rows or none of its rows was accepted or a duplicate.

A multi-authority file (the mapping's ``furnisher: {column: ...}``) is one run: each row is
validated as its own furnisher's statement (the remit check of G-07, per row) and appended
under that furnisher (its record and chain ids, ``furnisher_id`` and the audit entry's actor
``furnisher:<id>`` are that furnisher's, as if it had sent the row alone); the run records the
column (``column:<name>``) as its furnisher, the quarantine rows their own row's furnisher,
and the report counts outcomes per furnisher. One run rather than one per furnisher: the
file's every line is accounted for in one place under one source key, and a re-run of the
file is idempotent as a whole."""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Connection, Engine

from credo.catalog.models import Profile
from credo.db.bulk import frozen_heap
from credo.errors import Locked, ValidationFailed
from credo.ingest import repository
from credo.ingest.mapping import Mapping, check_against_catalogue
from credo.ingest.pipeline import can_fork, run_ahead
from credo.ingest.readers import BadRow, Chunk, FileReader, Row, file_digest
from credo.ingest.transform import RowMapper, quarantine_raw, without_nul
from credo.quality.hold import HELD, held_detail, hold_of
from credo.records import retention
from credo.records.model import Rejection, Statement
from credo.records.service import (
    PreparedBatch,
    WriteContext,
    append_prepared,
    prepare_mixed,
    prepare_statements,
)
from credo.records.validate import StatementValidator

DEFAULT_CHUNK_SIZE = 5000
SAMPLE = 1000
# row number, reason, raw values, the row's furnisher (None: a row that names none)
Rejected = tuple[int, Rejection, dict[str, Any], str | None]
Checked = tuple[Statement | Rejection, str | None]  # and the row's furnisher
Accepted = tuple[int, Statement, str]  # row number, statement, its furnisher
OUTCOMES = ("accepted", "duplicate", "quarantined")


@dataclass(frozen=True)
class IngestRequest:
    path: Path
    mapping: Mapping
    mapping_bytes: bytes
    mapping_name: str
    furnisher_id: str | None = None
    chunk_size: int = DEFAULT_CHUNK_SIZE
    # An empty file, or one whose every row is quarantined, is a failed run unless allowed:
    # a furnisher's export that went wrong must not look like a quiet day.
    allow_empty: bool = False
    # Prepare the next chunks (read, map, validate, hash, convert) in a forked worker process
    # while this one writes (credo.ingest.pipeline); the same code runs either way. Off by
    # default: on two shared cores it cost more CPU than it saved time (the NYC file: 240 CPU s
    # against 92, no clear gain in wall time; docs/performance.md).
    ahead: bool = False


@dataclass
class PreparedChunk:
    """One chunk made ready for the database: its batch, and what its write needs besides."""

    size: int  # rows read
    lines_read: int  # of the file, once this chunk was read
    batch: PreparedBatch
    furnishers: dict[int, str]  # row number -> furnisher of each statement in ``batch``
    rows: dict[int, Row | BadRow]  # the rows of ``batch``, for quarantine by the write path
    rejected: list[Rejected]


@dataclass(frozen=True)
class Ended:
    """The last item of a run's prepared chunks: the lines read, and why reading stopped
    early (detail, code) if the file is damaged."""

    lines_read: int
    error: tuple[str, str] | None = None


@dataclass
class IngestResult:
    run_id: int
    source_key: str
    furnisher_id: str  # a multi-authority file's: "column:<name>"
    counts: Counter[str] = field(default_factory=Counter)
    # Outcomes per furnisher (rows whose furnisher is unknown are counted in ``counts`` only).
    by_furnisher: defaultdict[str, Counter[str]] = field(
        default_factory=lambda: defaultdict(Counter)
    )
    reasons: Counter[str] = field(default_factory=Counter)
    # The first SAMPLE quarantined rows, for display; all of them go to the spool file.
    quarantined_rows: list[dict[str, Any]] = field(default_factory=list)
    spool: IO[bytes] = field(default_factory=tempfile.TemporaryFile)
    status: str = "running"  # finished | failed
    error: str | None = None
    error_code: str | None = None
    lines_read: int = 0
    not_reached: int = 0  # rows read from the file that no committed chunk holds

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

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def fail(self, error: str, code: str) -> None:
        self.status, self.error, self.error_code = "failed", error, code


class IngestFailed(ValidationFailed):
    """A run that started and failed; its report (``result``) was written all the same."""

    def __init__(self, result: IngestResult) -> None:
        super().__init__(result.error or "the run failed", code=result.error_code)
        self.result = result


def resolve_furnisher(mapping: Mapping, given: str | None) -> str:
    """The furnisher named on the command line or in the mapping; never two different ones.
    A mapping that takes each row's furnisher from a column has no one furnisher."""
    per_row = mapping.furnisher_from
    if per_row is not None:
        raise ValidationFailed(
            f"the mapping takes each row's furnisher from column {per_row.column!r}; this "
            "needs a mapping with one furnisher (a full-list delivery is one furnisher's list)",
            code="furnisher_per_row",
        )
    if given and mapping.furnisher and given != mapping.furnisher:
        raise ValidationFailed(
            f"--furnisher {given!r} differs from the mapping's furnisher {mapping.furnisher!r}",
            code="furnisher_mismatch",
        )
    furnisher = given or mapping.furnisher
    if not isinstance(furnisher, str) or not furnisher:
        raise ValidationFailed(
            "no furnisher: name one in the mapping or with --furnisher", code="missing_furnisher"
        )
    return furnisher


def _run_furnisher(mapping: Mapping, given: str | None) -> str | None:
    """The file's one furnisher, or None when each row names its own."""
    per_row = mapping.furnisher_from
    if per_row is None:
        return resolve_furnisher(mapping, given)
    if given:
        raise ValidationFailed(
            f"--furnisher {given!r} does not apply: the mapping takes each row's furnisher "
            f"from column {per_row.column!r}",
            code="furnisher_mismatch",
        )
    return None


def ingest_file(
    engine: Engine,
    ctx: WriteContext,
    request: IngestRequest,
    on_chunk: Callable[[int], None] | None = None,
) -> IngestResult:
    """Ingest ``request.path``; ``on_chunk(rows)`` is told after each committed chunk.
    A run that fails raises ``IngestFailed`` once its report is written."""
    furnisher_id = _run_furnisher(request.mapping, request.furnisher_id)
    check_against_catalogue(request.mapping, ctx.catalogue, furnisher_id)
    if furnisher_id is not None:
        _refuse_if_held(engine, furnisher_id)
    else:  # G-49 per row: a held furnisher's rows are held by the write path (_hold_back)
        assert request.mapping.furnisher_from is not None
        furnisher_id = request.mapping.furnisher_from.label
    reader = FileReader(request.path, request.chunk_size)
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
    chunker = _ChunkIngester(engine, ctx, request.mapping, result, reader)
    try:
        with frozen_heap():
            ahead = request.ahead and can_fork()
            for item in run_ahead(chunker.produce) if ahead else chunker.produce():
                if isinstance(item, Ended):
                    chunker.lines_read = item.lines_read
                    if item.error is not None:
                        raise ValidationFailed(item.error[0], code=item.error[1])
                    break
                chunker.write(item)
                if on_chunk is not None:
                    on_chunk(item.size)
    except ValidationFailed as exc:  # the file cannot be read further: committed chunks stand
        result.fail(exc.detail, exc.code)
    except BaseException as exc:  # the database, a bug, Ctrl+C: report, then let it go on
        result.fail(_one_line(exc), "run_failed")
        _finish_or_note(engine, ctx, result, chunker, exc)
        raise
    else:
        _check_not_empty(result, request)
    _finish(engine, ctx, result, chunker)
    if result.failed:
        raise IngestFailed(result)
    return result


def _refuse_if_held(engine: Engine, furnisher_id: str) -> None:
    """G-49: a held furnisher's file is refused before a row is read (the file stays with
    the furnisher, to be sent again after the release); its withdrawals go through the API."""
    with engine.connect() as conn:
        hold = hold_of(conn, furnisher_id)
    if hold is not None:
        raise Locked(f"the file is refused: {held_detail(hold)}", code=HELD)


def _check_not_empty(result: IngestResult, request: IngestRequest) -> None:
    if request.allow_empty:
        return
    name = request.path.name
    allow = "an empty delivery is a failure unless allowed (--allow-empty)"
    if result.rows_read == 0:
        result.fail(f"{name}: no rows to ingest; {allow}", "empty_file")
    elif result.counts["accepted"] + result.counts["duplicate"] == 0:
        reasons = ", ".join(f"{r} {n:,}" for r, n in result.reasons.most_common(3))
        result.fail(
            f"{name}: none of its {result.rows_read:,} rows was accepted (quarantined: "
            f"{reasons}{_first_of_most_common(result)}); {allow}",
            "nothing_accepted",
        )


def _first_of_most_common(result: IngestResult) -> str:
    """The first row quarantined for the commonest reason: what is wrong, said once, where
    it is the mapping's fault (a column named with a space too few)."""
    (reason, _), *_ = result.reasons.most_common(1)
    first = next((r for r in result.quarantined_rows if r["reason"] == reason), None)
    if first is None:
        return ""
    detail: str = first["detail"]
    if not detail.startswith(("row ", "line ")):  # most details name their row already
        detail = f"row {first['row']}: {detail}"
    return f"; first: {detail}"


def _finish(
    engine: Engine, ctx: WriteContext, result: IngestResult, chunker: _ChunkIngester
) -> None:
    if not result.failed:
        result.status = "finished"
    result.lines_read = chunker.lines_read
    result.not_reached = chunker.in_flight
    with engine.begin() as conn:
        repository.update_run(
            conn,
            result.run_id,
            result.counts,
            status=result.status,
            finished_at=ctx.clock.now(),
            lines_read=result.lines_read,
            not_reached=result.not_reached,
            error=result.error,
        )


def _finish_or_note(
    engine: Engine,
    ctx: WriteContext,
    result: IngestResult,
    chunker: _ChunkIngester,
    exc: BaseException,
) -> None:
    """Write the failed run's report; when the database that failed cannot take it either,
    say so on the original error rather than hide that error behind this one."""
    try:
        _finish(engine, ctx, result, chunker)
    except Exception as again:
        exc.add_note(f"the run's report could not be written: {_one_line(again)}")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:300]}" if text else type(exc).__name__


class _ChunkIngester:
    """Holds what lives for the whole file: the row mapper (repeat numbering) and the
    validator (its identifier and payload-check caches)."""

    def __init__(
        self,
        engine: Engine,
        ctx: WriteContext,
        mapping: Mapping,
        result: IngestResult,
        reader: FileReader,
    ) -> None:
        self.engine = engine
        self.ctx = ctx
        self.result = result
        self.reader = reader
        self.in_flight = 0  # rows of the chunk being written: not reached if it fails
        self.lines_read = 0  # of the file, as far as the chunks written or being written go
        self.mapper = RowMapper(mapping, ctx.catalogue)
        self.per_row = mapping.furnisher_from is not None
        # One validator per furnisher: the remit it checks (G-07) is that furnisher's.
        self._validators: dict[str, StatementValidator] = {}

    def prepare(self, chunk: Chunk) -> PreparedChunk:
        """Map, validate and prepare one chunk (ids, content hashes, rows converted for the
        database): everything before the database, so it can run in a worker process."""
        items, rows, rejected = self._prepare(chunk)
        if self.per_row:
            batch = prepare_mixed(self.ctx.catalogue, items, self.engine.dialect)
        else:
            statements = [(number, statement) for number, statement, _ in items]
            batch = prepare_statements(
                self.ctx.catalogue, self.result.furnisher_id, statements, self.engine.dialect
            )
        furnishers = {row: furnisher_id for row, _, furnisher_id in items}
        return PreparedChunk(len(chunk), self.reader.lines_read, batch, furnishers, rows, rejected)

    def produce(self) -> Iterator[PreparedChunk | Ended]:
        """Every chunk of the file prepared, then ``Ended`` (no exception for a damaged file:
        the rows before the damage come first, then the reason, so a worker can send it)."""
        try:
            for chunk in self.reader.chunks():
                yield self.prepare(chunk)
        except ValidationFailed as exc:
            yield Ended(self.reader.lines_read, (exc.detail, exc.code))
            return
        yield Ended(self.reader.lines_read)

    def write(self, prepared: PreparedChunk) -> None:
        """One chunk, one transaction: its records, its quarantine rows, the run's progress.
        The result counts a chunk only once it is committed, so a failed run's report says
        what the database holds."""
        self.in_flight, self.lines_read = prepared.size, prepared.lines_read
        rows, rejected, items_furnisher = prepared.rows, prepared.rejected, prepared.furnishers
        counts: Counter[str] = Counter(rows_read=prepared.size)
        by_furnisher: defaultdict[str, Counter[str]] = defaultdict(Counter)
        with self.engine.begin() as conn:
            repository.prepare_bulk_session(conn)
            for outcome in append_prepared(conn, self.ctx, prepared.batch):
                furnisher_id = items_furnisher[outcome.row]
                if outcome.outcome == "quarantined" and outcome.reason is not None:
                    raw = _raw_of(rows[outcome.row])
                    rejected.append((outcome.row, outcome.reason, raw, furnisher_id))
                else:
                    counts[outcome.outcome] += 1
                    by_furnisher[furnisher_id][outcome.outcome] += 1
            rejected.sort(key=lambda r: r[0])
            counts["quarantined"] += len(rejected)
            for *_, named in rejected:
                if named is not None:
                    by_furnisher[named]["quarantined"] += 1
            repository.update_run(
                conn,
                self.result.run_id,
                self.result.counts + counts,
                lines_read=prepared.lines_read,
            )
            repository.add_quarantine(conn, self._quarantine_rows(rejected))
        self.result.counts.update(counts)
        for furnisher_id, tally in by_furnisher.items():
            self.result.by_furnisher[furnisher_id].update(tally)
        self._quarantine(rejected)
        self.in_flight = 0

    def _prepare(
        self, chunk: Chunk
    ) -> tuple[list[Accepted], dict[int, Row | BadRow], list[Rejected]]:
        """Map and validate (no database): statements to append, and rejections."""
        items: list[Accepted] = []
        rows: dict[int, Row | BadRow] = {}
        rejected: list[Rejected] = []
        for number, row in chunk:
            checked, furnisher_id = self._check(number, row)
            if isinstance(checked, Rejection):
                rejected.append((number, checked, _raw_of(row), furnisher_id))
            else:
                assert furnisher_id is not None
                items.append((number, checked, furnisher_id))
                rows[number] = row
        return items, rows, rejected

    def _check(self, number: int, row: Row | BadRow) -> Checked:
        if not self.per_row:
            return self._check_as(number, row, self.result.furnisher_id), self.result.furnisher_id
        if isinstance(row, BadRow):
            return Rejection(row.code, row.detail), None
        raw = self.mapper.map(row, number)
        furnisher = self.mapper.furnisher_of(row, number) if self._names_furnisher(row) else None
        if isinstance(raw, Rejection):
            return raw, furnisher if isinstance(furnisher, str) else None
        assert furnisher is not None  # the row has every column the mapping reads
        if isinstance(furnisher, Rejection):
            return furnisher, None
        checked = self._validate(number, raw, furnisher)
        if isinstance(checked, Rejection):
            return self.mapper.locate_furnisher(checked, row, number), furnisher
        return checked, furnisher

    def _check_as(self, number: int, row: Row | BadRow, furnisher_id: str) -> Statement | Rejection:
        if isinstance(row, BadRow):
            return Rejection(row.code, row.detail)
        raw = self.mapper.map(row, number)
        if isinstance(raw, Rejection):
            return raw
        return self._validate(number, raw, furnisher_id)

    def _validate(
        self, number: int, raw: dict[str, Any], furnisher_id: str
    ) -> Statement | Rejection:
        validator = self._validators.get(furnisher_id)
        if validator is None:
            today = self.ctx.clock.today()
            validator = StatementValidator(self.ctx.catalogue, furnisher_id, today)
            self._validators[furnisher_id] = validator
        checked = validator.validate(raw)
        if isinstance(checked, Rejection):
            return self.mapper.explain(checked, number)
        return checked

    def _names_furnisher(self, row: Row) -> bool:
        spec = self.mapper.mapping.furnisher_from
        return spec is not None and spec.column in row

    def _quarantine(self, rejected: list[Rejected]) -> None:
        for number, reason, raw, _ in rejected:
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
                "furnisher_id": furnisher_id or self.result.furnisher_id,
                "reason_code": reason.code,
                "detail": reason.detail,
                "raw": raw,
                "created_at": now,
            }
            for number, reason, raw, furnisher_id in rejected
        ]


def _raw_of(row: Row | BadRow) -> dict[str, Any]:
    if isinstance(row, BadRow):
        return {"_line": without_nul(row.text)}
    return quarantine_raw(row)


def report_head(result: IngestResult, request: IngestRequest) -> dict[str, Any]:
    """The run's counts by outcome, by reason and by furnisher: the report's head, and what
    ``credo ingest --json`` prints."""
    return {
        "run_id": result.run_id,
        "source": str(request.path),
        "source_key": result.source_key,
        "mapping": request.mapping_name,
        "furnisher": result.furnisher_id,
        "status": result.status,
        "error": result.error,
        "lines_read": result.lines_read,
        "rows_read": result.rows_read,
        "outcomes": {o: result.counts[o] for o in OUTCOMES},
        "not_reached": result.not_reached,
        "counts_add_up": result.add_up(),
        "reasons": dict(sorted(result.reasons.items())),
        "furnishers": {
            furnisher: {o: tally[o] for o in OUTCOMES}
            for furnisher, tally in sorted(result.by_furnisher.items())
        },
    }


def write_report(result: IngestResult, request: IngestRequest, target: Path) -> None:
    """The run's JSON report: its head, and every quarantined row (streamed from the spool,
    so a file with millions of bad rows needs no memory)."""
    head = report_head(result, request)
    with target.open("wb") as out:
        out.write(orjson.dumps(head, option=orjson.OPT_INDENT_2)[:-2])  # reopen the object
        out.write(b',\n  "quarantined_rows": [')
        for index, line in enumerate(result.spooled_rows()):
            out.write(b"\n    " if index == 0 else b",\n    ")
            out.write(line)
        out.write(b"\n  ]\n}\n")


# -- what the operator console shows of ingestion --------------------------------------------


def recent_runs(conn: Connection, limit: int = 10) -> list[dict[str, Any]]:
    """The latest ingestion runs, newest first, each as its stored row."""
    return [dict(row) for row in repository.recent_runs(conn, limit)]


def quarantine_reasons(conn: Connection) -> list[tuple[str, int]]:
    """(reason code, quarantined rows), the most common first."""
    return repository.quarantine_reasons(conn)


# -- retention (G-41): refused rows hold raw personal data that was never accepted -----------


def purge_quarantine(
    conn: Connection, profile: Profile, today: date, now: datetime, limit: int
) -> int:
    """Delete up to ``limit`` quarantined rows older than the profile's
    ``quarantine_retention_days`` (the furnisher's time to correct and resend; the runs'
    counts stay), with one ``retention.quarantine`` audit entry; how many."""
    before = retention.inquiry_cutoff(today, profile.quarantine_retention_days)
    ids = repository.quarantine_before(conn, before, limit)
    return retention.purge_batch(
        conn, "retention.quarantine", ids, repository.delete_quarantine, before, now
    )


def purge_quarantine_until_done(
    engine: Engine, profile: Profile, today: date, now: datetime, batch: int
) -> tuple[int, int]:
    """``purge_quarantine`` in batches of ``batch``, one commit each, until none is left
    (``credo jobs run``); (rows deleted, audit entries written)."""
    rows, entries = 0, 0
    while True:
        with engine.begin() as conn:
            purged = purge_quarantine(conn, profile, today, now, batch)
        rows, entries = rows + purged, entries + (1 if purged else 0)
        if purged < batch:
            return rows, entries
