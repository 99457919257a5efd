"""The console's record counts, kept current from the change feed instead of a scan.

Every accepted statement writes a change-feed row (kind ``record``, its record id as ref) in
the same transaction, so the feed says exactly which statements are new since a watermark.
``refresh`` applies them set-wise (one grouped query per measure over the new statements
only) and moves the watermark; the write paths need no change. Statements are never
deleted, a chain never changes its type, and erasure at the retention end keeps the dates
and types, so adding the new statements is all a count ever needs.

PostgreSQL hands out sequence numbers before commit, so a number missing under the head may
still commit: it is kept as a gap and counted when it appears, or forgotten after
``GAP_PATIENCE`` (a transaction rolled back). The refresh runs in one snapshot (repeatable
read on PostgreSQL, the write lock on SQLite), so the feed and the statements it reads agree."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

from credo.records import queries as records
from credo.records.queries import Range
from credo.summary import repository as repo
from credo.summary.repository import CHAINS_BY_TYPE, STATEMENTS_BY_YEAR

RECORD_COUNTS = "record_counts"
GAP_PATIENCE = timedelta(hours=1)
ATTEMPTS = 3
Gap = list[Any]  # [first, last, first seen (ISO)]


def refresh(engine: Engine, now: datetime) -> None:
    """Bring the counts up to the change feed's head (nothing to do: two cheap reads)."""
    with engine.connect() as conn:
        last_seq, gaps = repo.watermark(conn, RECORD_COUNTS)
        if not gaps and records.feed_head(conn) == last_seq:
            return
    for _ in range(ATTEMPTS):
        try:
            with _snapshot(engine) as conn, conn.begin():
                catch_up(conn, now)
            return
        except DBAPIError as error:  # a concurrent refresh (or writer) won: theirs counts
            if not _lost_a_race(error):
                raise


def _snapshot(engine: Engine) -> Connection:
    conn = engine.connect()
    if conn.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


def _lost_a_race(error: DBAPIError) -> bool:
    code = getattr(error.orig, "pgcode", None) or getattr(error.orig, "sqlstate", None)
    return code == "40001" or "database is locked" in str(error.orig)


def catch_up(conn: Connection, now: datetime) -> None:
    """Apply the changes since the watermark, in ``conn``'s transaction (the counts read
    by ``statements_by_year`` and ``chains_by_type`` are current after it)."""
    if not repo.lock_watermark(conn, RECORD_COUNTS, now):
        raise LookupError(f"summary watermark {RECORD_COUNTS!r} is missing (run the migrations)")
    last_seq, gaps = repo.watermark(conn, RECORD_COUNTS)
    head = max(records.feed_head(conn), last_seq)
    old = [(int(g[0]), int(g[1])) for g in gaps]
    fresh = [(last_seq + 1, head)] if head > last_seq else []
    if last_seq == 0 and not gaps:
        _recount(conn)
    else:
        _add(conn, old + fresh)
    still_missing = _missing(conn, old, fresh)
    repo.set_watermark(conn, RECORD_COUNTS, head, _kept_gaps(gaps, still_missing, now))


def _recount(conn: Connection) -> None:
    """The first catch-up counts everything (the feed and the statements commit together,
    so the snapshot's statements are exactly those of its feed rows)."""
    repo.clear_counts(conn)
    repo.add_counts(conn, STATEMENTS_BY_YEAR, records.statement_years(conn))
    repo.add_counts(conn, CHAINS_BY_TYPE, records.chain_types(conn))


def _add(conn: Connection, ranges: list[Range]) -> None:
    if ranges:
        repo.add_counts(conn, STATEMENTS_BY_YEAR, records.statement_years(conn, ranges))
        repo.add_counts(conn, CHAINS_BY_TYPE, records.new_chain_types_in(conn, ranges))


def _missing(conn: Connection, old: list[Range], fresh: list[Range]) -> list[Range]:
    """The sequence numbers of ``old`` and ``fresh`` not in the feed (yet), as ranges."""
    if (
        fresh
        and records.feed_count(conn, fresh[0][0] - 1, fresh[0][1]) == fresh[0][1] - fresh[0][0] + 1
    ):
        fresh = []  # the usual case: no hole in the new part
    ranges = old + fresh
    present = set(records.feed_seqs_in(conn, ranges))
    missing = [s for a, b in ranges for s in range(a, b + 1) if s not in present]
    return _as_ranges(missing)


def _as_ranges(numbers: list[int]) -> list[Range]:
    ranges: list[Range] = []
    for n in sorted(numbers):
        if ranges and ranges[-1][1] == n - 1:
            ranges[-1] = (ranges[-1][0], n)
        else:
            ranges.append((n, n))
    return ranges


def _kept_gaps(gaps: list[Gap], missing: list[Range], now: datetime) -> list[Gap]:
    """Missing ranges with when each was first seen; those older than GAP_PATIENCE go."""
    seen = {}
    for first, last, at in gaps:
        seen.update({s: str(at) for s in range(int(first), int(last) + 1)})
    kept: list[Gap] = []
    for first, last in missing:
        at = seen.get(first, now.isoformat())
        if now - datetime.fromisoformat(at) <= GAP_PATIENCE:
            kept.append([first, last, at])
    return kept


def statements_by_year(conn: Connection) -> list[tuple[int, int]]:
    """Statements by year of occurrence, earliest year first."""
    return sorted((int(year), n) for year, n in repo.counts(conn, STATEMENTS_BY_YEAR).items())


def chains_by_type(conn: Connection) -> list[tuple[str, int]]:
    """Record chains (rows of the current view) by type, the most first."""
    found = repo.counts(conn, CHAINS_BY_TYPE).items()
    return sorted(found, key=lambda item: (-item[1], item[0]))
