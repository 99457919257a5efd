"""All SQL of the maintained counts: the watermark and the counts. What the change feed's new
statements add, and the full recounts the counts must always equal, are read through
``credo.records.queries``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from credo.db.sql import upsert
from credo.summary.tables import record_counts, summary_watermarks

STATEMENTS_BY_YEAR = "statements_by_year"
CHAINS_BY_TYPE = "chains_by_type"


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
