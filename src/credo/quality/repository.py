"""Every query of furnisher quality (G-49): the stored evaluation with its holds and releases.
The window's counts come from the records and disputes they are about, through their owners'
functions (``credo.quality.service.window_counts``)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, select, update

from credo.db.sql import upsert
from credo.quality.tables import furnisher_quality


def all_rows(conn: Connection) -> dict[str, RowMapping]:
    query = select(furnisher_quality).order_by(furnisher_quality.c.furnisher_id)
    return {row["furnisher_id"]: row for row in conn.execute(query).mappings()}


def get_row(conn: Connection, furnisher_id: str) -> RowMapping | None:
    query = select(furnisher_quality).where(furnisher_quality.c.furnisher_id == furnisher_id)
    return conn.execute(query).mappings().first()


def save_rows(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        columns = [c for c in rows[0] if c != "furnisher_id"]
        upsert(conn, furnisher_quality, rows, ["furnisher_id"], columns)


def release_row(conn: Connection, furnisher_id: str, values: dict[str, Any]) -> None:
    conn.execute(
        update(furnisher_quality)
        .where(furnisher_quality.c.furnisher_id == furnisher_id)
        .values(**values)
    )


def holds(conn: Connection, furnisher_ids: Iterable[str] | None = None) -> dict[str, RowMapping]:
    """The furnishers held now (of ``furnisher_ids``, or all), by id: the write path asks
    this once per batch, by primary key."""
    query = select(furnisher_quality).where(furnisher_quality.c.held.is_(True))
    if furnisher_ids is not None:
        wanted = sorted(set(furnisher_ids))
        if not wanted:
            return {}
        query = query.where(furnisher_quality.c.furnisher_id.in_(wanted))
    return {row["furnisher_id"]: row for row in conn.execute(query).mappings()}


def releases(conn: Connection) -> dict[str, datetime]:
    """furnisher id -> its last release: its window counts from there (a release is a
    decision on the evidence before it, so a new hold needs new evidence)."""
    q = furnisher_quality.c
    query = select(q.furnisher_id, q.released_at).where(q.released_at.is_not(None))
    return {furnisher_id: released for furnisher_id, released in conn.execute(query)}
