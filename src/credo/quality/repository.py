"""Every query of furnisher quality (G-49): the window's counts per furnisher, set-based over
the registry's own tables (statements, disputes), and the stored evaluation with its holds."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Join,
    RowMapping,
    and_,
    case,
    distinct,
    func,
    literal,
    or_,
    select,
    update,
)

from credo.db.sql import upsert
from credo.disputes.tables import disputes
from credo.quality.tables import furnisher_quality
from credo.records.tables import change_feed, record_current, record_statements

# Dispute outcomes that go against the furnisher's record: corrected, deleted, "not me"
# confirmed, or left unverified past the deadline (credo.disputes.service).
OVERTURNED = ("corrected", "deleted", "confirmed", "unverified")
COUNTS = ("records", "corrections", "disputes", "overturns", "disputes_due", "late_responses")

_released = furnisher_quality.c.released_at


def _from(column: Any, start: datetime, end: datetime) -> ColumnElement[bool]:
    """``column`` within [start, end] (what happened up to the evaluation itself counts) and
    not before the furnisher's last release: a release is a decision on the evidence before
    it, so a new hold needs new evidence."""
    return and_(column >= start, column <= end, or_(_released.is_(None), column >= _released))


def _joined(table: Any) -> Join:
    return table.outerjoin(
        furnisher_quality, furnisher_quality.c.furnisher_id == table.c.furnisher_id
    )


def window_counts(conn: Connection, start: datetime, end: datetime) -> dict[str, dict[str, int]]:
    """Per furnisher: the records it furnished in the window (distinct chains with a statement
    received), those it corrected, the disputes lodged against its records, those that ended
    against it, the disputes due in the window and those answered late or not at all."""
    counts: dict[str, dict[str, int]] = {}

    def add(rows: Iterable[Any], *names: str) -> None:
        for furnisher_id, *values in rows:
            entry = counts.setdefault(furnisher_id, dict.fromkeys(COUNTS, 0))
            entry.update({name: int(value or 0) for name, value in zip(names, values, strict=True)})

    s = record_statements.c
    add(
        conn.execute(
            select(
                s.furnisher_id,
                func.count(distinct(s.chain_id)),
                func.count(distinct(case((s.action == "correct", s.chain_id)))),
            )
            .select_from(_joined(record_statements))
            .where(_from(s.received_at, start, end))
            .group_by(s.furnisher_id)
        ),
        "records",
        "corrections",
    )
    d = disputes.c
    add(
        conn.execute(
            select(d.furnisher_id, func.count())
            .select_from(_joined(disputes))
            .where(_from(d.opened_at, start, end))
            .group_by(d.furnisher_id)
        ),
        "disputes",
    )
    add(
        conn.execute(
            select(d.furnisher_id, func.count())
            .select_from(_joined(disputes))
            .where(_from(d.resolved_at, start, end), d.status.in_(OVERTURNED))
            .group_by(d.furnisher_id)
        ),
        "overturns",
    )
    late = or_(d.resolved_at.is_(None), d.resolved_at > d.deadline_at)
    add(
        conn.execute(
            select(d.furnisher_id, func.count(), func.count(case((late, literal(1)))))
            .select_from(_joined(disputes))
            .where(_from(d.deadline_at, start, end))
            .group_by(d.furnisher_id)
        ),
        "disputes_due",
        "late_responses",
    )
    return counts


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


def tell_check_workers(conn: Connection, furnisher_id: str, now: datetime) -> int:
    """One change-feed row per subject with a record of the furnisher, so every worker's check
    index reloads them and its decisions carry (or drop) the data-quality flag; one
    INSERT ... SELECT, however many subjects."""
    subjects = (
        select(
            record_current.c.subject_id,
            literal("data_quality"),
            literal(furnisher_id),
            literal(now, type_=change_feed.c.created_at.type),
        )
        .where(record_current.c.furnisher_id == furnisher_id)
        .distinct()
    )
    result = conn.execute(
        change_feed.insert().from_select(["subject_id", "kind", "ref", "created_at"], subjects)
    )
    return int(result.rowcount or 0)
