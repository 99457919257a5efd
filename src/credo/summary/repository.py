"""All SQL of the maintained counts: the watermark, the change feed's new statements, the
increments they make, and the full recounts they must always equal."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, or_, select

from credo.db.sql import upsert
from credo.records.tables import change_feed, record_current, record_statements
from credo.summary.tables import record_counts, summary_watermarks

STATEMENTS_BY_YEAR = "statements_by_year"
CHAINS_BY_TYPE = "chains_by_type"
RECORD_FEED_KIND = "record"  # a feed row per accepted statement, its record_id as ref

Range = tuple[int, int]


def lock_watermark(conn: Connection, name: str, now: datetime) -> bool:
    """Stamp the watermark row first: that takes the write lock (SQLite) or the row lock
    (PostgreSQL), so two refreshes never apply the same changes. False: no such row."""
    w = summary_watermarks.c
    stamped = conn.execute(
        summary_watermarks.update().where(w.name == name).values(refreshed_at=now)
    )
    return stamped.rowcount == 1


def watermark(conn: Connection, name: str) -> tuple[int, list[list[Any]]]:
    w = summary_watermarks.c
    row = conn.execute(select(w.last_seq, w.gaps).where(w.name == name)).one_or_none()
    return (0, []) if row is None else (int(row.last_seq), list(row.gaps or []))


def set_watermark(conn: Connection, name: str, last_seq: int, gaps: list[list[Any]]) -> None:
    w = summary_watermarks.c
    conn.execute(
        summary_watermarks.update().where(w.name == name).values(last_seq=last_seq, gaps=gaps)
    )


def feed_head(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(change_feed.c.seq), 0))).scalar_one())


def feed_count(conn: Connection, after: int, upto: int) -> int:
    f = change_feed.c
    query = select(func.count()).where(f.seq > after, f.seq <= upto)
    return int(conn.execute(query).scalar_one())


def feed_seqs_in(conn: Connection, ranges: Sequence[Range]) -> list[int]:
    """The sequence numbers present within ``ranges`` (each inclusive), ascending."""
    if not ranges:
        return []
    seq = change_feed.c.seq
    query = select(seq).where(or_(*(seq.between(a, b) for a, b in ranges))).order_by(seq)
    return [int(s) for s in conn.execute(query).scalars()]


def _delta(ranges: Sequence[Range]) -> Any:
    """The record statements named by the feed rows within ``ranges``."""
    f = change_feed.c
    refs = select(f.ref).where(
        f.kind == RECORD_FEED_KIND, or_(*(f.seq.between(a, b) for a, b in ranges))
    )
    return record_statements.c.record_id.in_(refs)


def statement_years_in(conn: Connection, ranges: Sequence[Range]) -> list[tuple[str, int]]:
    s = record_statements.c
    year = func.extract("year", s.occurred_on)
    query = select(year, func.count()).where(_delta(ranges)).group_by(year)
    return [(str(int(y)), int(n)) for y, n in conn.execute(query)]


def new_chain_types_in(conn: Connection, ranges: Sequence[Range]) -> list[tuple[str, int]]:
    """Chains whose every statement is among the new ones: they are new chains (a chain's
    later statements find the earlier ones already stored, in this snapshot)."""
    s = record_statements.c
    new = (
        select(s.chain_id, s.record_type, func.count().label("n"))
        .where(_delta(ranges))
        .group_by(s.chain_id, s.record_type)
        .subquery()
    )
    every = record_statements.alias("every")
    stored = select(func.count()).where(every.c.chain_id == new.c.chain_id).scalar_subquery()
    query = (
        select(new.c.record_type, func.count()).where(new.c.n == stored).group_by(new.c.record_type)
    )
    return [(kind, int(n)) for kind, n in conn.execute(query)]


def recount_statement_years(conn: Connection) -> list[tuple[str, int]]:
    """Statements by year of occurrence, all of them (the first catch-up)."""
    year = func.extract("year", record_statements.c.occurred_on)
    query = select(year, func.count()).group_by(year)
    return [(str(int(y)), int(n)) for y, n in conn.execute(query)]


def recount_chain_types(conn: Connection) -> list[tuple[str, int]]:
    """Record chains (rows of the current view) by type, all of them."""
    c = record_current.c
    query = select(c.record_type, func.count()).group_by(c.record_type)
    return [(kind, int(n)) for kind, n in conn.execute(query)]


def counts(conn: Connection, measure: str) -> dict[str, int]:
    r = record_counts.c
    query = select(r.key, r.count).where(r.measure == measure)
    return {key: int(n) for key, n in conn.execute(query)}


def add_counts(conn: Connection, measure: str, increments: Sequence[tuple[str, int]]) -> None:
    if not increments:
        return
    totals = counts(conn, measure)
    for key, n in increments:
        totals[key] = totals.get(key, 0) + n
    touched = sorted({key for key, _ in increments})
    rows = [{"measure": measure, "key": key, "count": totals[key]} for key in touched]
    upsert(conn, record_counts, rows, ["measure", "key"], ["count"])


def clear_counts(conn: Connection) -> None:
    conn.execute(record_counts.delete())
