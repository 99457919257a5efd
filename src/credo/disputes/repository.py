"""All SQL about cases: disputes and identity claims (table ``disputes``) and repair
applications (``repair_applications``). What due process reads and changes of the records
goes through credo.records.queries and credo.records.service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, case, func, literal, null, or_, select

from credo.db.sql import chunks, within_window
from credo.disputes.tables import disputes, repair_applications

# -- cases: disputes, identity claims (table disputes) and repairs (repair_applications) ------


@dataclass(frozen=True)
class Store:
    """Where one kind of case lives, and what its table calls the workflow's columns."""

    table: Table
    opened_at: str
    resolved_at: str
    resolved_by: str


STORES = {
    "disputes": Store(disputes, "opened_at", "resolved_at", "resolved_by"),
    "repairs": Store(repair_applications, "applied_at", "decided_at", "decided_by"),
}


def insert_case(
    conn: Connection, store: str, row: dict[str, Any], status: str, opened: datetime, due: datetime
) -> int:
    where = STORES[store]
    values = {**row, "status": status, where.opened_at: opened, "deadline_at": due}
    table = where.table
    return int(conn.execute(table.insert().returning(table.c.id), values).scalar_one())


def get_case(conn: Connection, store: str, case_id: int) -> RowMapping | None:
    table = STORES[store].table
    return conn.execute(select(table).where(table.c.id == case_id)).mappings().first()


def update_case(conn: Connection, store: str, case_id: int, values: dict[str, Any]) -> None:
    table = STORES[store].table
    conn.execute(table.update().where(table.c.id == case_id).values(**values))


def close_case(
    conn: Connection, store: str, case_id: int, status: str, at: datetime, by: str, reasons: str
) -> None:
    where = STORES[store]
    values = {"status": status, where.resolved_at: at, where.resolved_by: by}
    update_case(conn, store, case_id, values | {"reasons": reasons or None})


def open_case_on(conn: Connection, store: str, status: str, **matching: str) -> RowMapping | None:
    """The case in ``status`` whose columns equal ``matching`` (one open case per target)."""
    table = STORES[store].table
    query = select(table).where(
        table.c.status == status, *(table.c[name] == value for name, value in matching.items())
    )
    return conn.execute(query).mappings().first()


def cases_of_subject(conn: Connection, store: str, subject_id: int) -> list[RowMapping]:
    table = STORES[store].table
    query = select(table).where(table.c.subject_id == subject_id).order_by(table.c.id)
    return list(conn.execute(query).mappings())


def cases_by_status(
    conn: Connection, store: str, status: str, limit: int = 500, kinds: Sequence[str] = ()
) -> list[RowMapping]:
    """A queue: the cases in ``status`` (of ``kinds``, where the table holds several), nearest
    deadline first."""
    table = STORES[store].table
    query = select(table).where(table.c.status == status)
    if kinds and "kind" in table.c:
        query = query.where(table.c.kind.in_(list(kinds)))
    query = query.order_by(table.c.deadline_at, table.c.id).limit(limit)
    return list(conn.execute(query).mappings())


def overdue_cases(conn: Connection, store: str, status: str, now: datetime) -> list[RowMapping]:
    """Cases still in ``status`` at their deadline, not yet flagged where a table flags them."""
    table = STORES[store].table
    query = select(table).where(table.c.status == status, table.c.deadline_at <= now)
    if "overdue_flagged_at" in table.c:
        query = query.where(table.c.overdue_flagged_at.is_(None))
    return list(conn.execute(query.order_by(table.c.id)).mappings())


def overdue_disputes(conn: Connection, now: datetime) -> list[RowMapping]:
    return overdue_cases(conn, "disputes", "open", now)


def insert_repair(conn: Connection, row: dict[str, Any]) -> int:
    """A repair application as stored (fixtures that build one directly)."""
    table = repair_applications
    return int(conn.execute(table.insert().returning(table.c.id), row).scalar_one())


def open_deadlines(conn: Connection, store: str, status: str) -> list[datetime]:
    table = STORES[store].table
    query = select(table.c.deadline_at).where(table.c.status == status)
    return [row[0] for row in conn.execute(query)]


# -- what furnisher quality counts (credo.quality, G-49) --------------------------------------


def quality_counts(
    conn: Connection,
    start: datetime,
    end: datetime,
    not_before: dict[str, datetime],
    overturned: Sequence[str],
) -> dict[str, tuple[int, int, int, int]]:
    """furnisher id -> (disputes opened, ended in ``overturned``, due, answered late or not at
    all), each within [start, end] and not before the furnisher's ``not_before``."""
    d = disputes.c

    def per_furnisher(moment: Any, *extra: Any, counted: Any = None) -> Any:
        columns = [func.count()] if counted is None else [func.count(), func.count(counted)]
        return (
            select(d.furnisher_id, *columns)
            .where(within_window(moment, d.furnisher_id, start, end, not_before), *extra)
            .group_by(d.furnisher_id)
        )

    late = or_(d.resolved_at.is_(None), d.resolved_at > d.deadline_at)
    found: dict[str, list[int]] = {}
    for index, query in (
        (0, per_furnisher(d.opened_at)),
        (1, per_furnisher(d.resolved_at, d.status.in_(list(overturned)))),
        (2, per_furnisher(d.deadline_at, counted=case((late, literal(1))))),
    ):
        for furnisher_id, *values in conn.execute(query):
            counts = found.setdefault(furnisher_id, [0, 0, 0, 0])
            counts[index : index + len(values)] = [int(v or 0) for v in values]
    return {f: (c[0], c[1], c[2], c[3]) for f, c in found.items()}


# -- retention (credo.records.retention, run by credo.disputes.jobs) -------------------------


def erase_about_chains(
    conn: Connection, chain_ids: Sequence[str], marker: str, proof_marker: dict[str, Any]
) -> tuple[int, int]:
    """Erase what subjects said and sent about the chains: each dispute's grounds become
    ``marker`` and its evidence and reasons go, each repair application's proof becomes
    ``proof_marker`` (ids, kinds, statuses, dates and the condition's name stay);
    (disputes, repair applications) erased."""
    erased, repairs = 0, 0
    a = repair_applications.c
    for part in chunks(list(chain_ids), 900):
        erased += conn.execute(
            disputes.update()
            .where(disputes.c.chain_id.in_(part))
            .values(grounds=marker, evidence=null(), reasons=null())
        ).rowcount
        repairs += conn.execute(
            repair_applications.update()
            .where(a.target_kind == "record", a.target_ref.in_(part))
            .values(proof=proof_marker)
        ).rowcount
    return erased, repairs
