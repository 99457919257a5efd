"""All SQL about disputes, identity claims, repair applications, and the suppressions that due
process opens and closes on ``record_suppressions``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Table, or_, select

from credo.db.sql import chunks
from credo.disputes.tables import disputes, repair_applications
from credo.records.tables import record_current, record_statements, record_suppressions

# -- records as the subject sees them --------------------------------------------------------


def chain_of_subject(conn: Connection, subject_id: int, record_ref: str) -> RowMapping | None:
    """The current view of the chain that ``record_ref`` (a record id of any revision, or a
    chain id) names, only if it belongs to ``subject_id``."""
    chain_id = conn.execute(
        select(record_statements.c.chain_id)
        .where(
            or_(
                record_statements.c.record_id == record_ref,
                record_statements.c.chain_id == record_ref,
            ),
            record_statements.c.subject_id == subject_id,
        )
        .limit(1)
    ).scalar()
    if chain_id is None:
        return None
    return (
        conn.execute(
            select(record_current).where(
                record_current.c.chain_id == chain_id, record_current.c.subject_id == subject_id
            )
        )
        .mappings()
        .first()
    )


def record_ids_of_chains(conn: Connection, chain_ids: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in chunks(sorted(set(chain_ids)), 900):
        for chain_id, record_id in conn.execute(
            select(record_statements.c.chain_id, record_statements.c.record_id).where(
                record_statements.c.chain_id.in_(part)
            )
        ):
            found.setdefault(chain_id, []).append(record_id)
    return found


def record_types_of_chains(conn: Connection, chain_ids: Iterable[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in chunks(sorted(set(chain_ids)), 900):
        for chain_id, record_type in conn.execute(
            select(record_current.c.chain_id, record_current.c.record_type).where(
                record_current.c.chain_id.in_(part)
            )
        ):
            found[chain_id] = record_type
    return found


def statements_after(conn: Connection, chain_id: str, after: datetime) -> list[RowMapping]:
    return list(
        conn.execute(
            select(record_statements).where(
                record_statements.c.chain_id == chain_id, record_statements.c.received_at > after
            )
        ).mappings()
    )


def suppressions_of_subject(conn: Connection, subject_id: int) -> list[RowMapping]:
    return list(
        conn.execute(
            select(record_suppressions)
            .where(record_suppressions.c.subject_id == subject_id)
            .order_by(record_suppressions.c.id)
        ).mappings()
    )


# -- suppressions ----------------------------------------------------------------------------


def open_suppression(
    conn: Connection, chain_id: str, subject_id: int, reason: str, ref: str, at: datetime
) -> None:
    conn.execute(
        record_suppressions.insert().values(
            chain_id=chain_id, subject_id=subject_id, reason=reason, ref=ref, opened_at=at
        )
    )


def close_suppressions(conn: Connection, ref: str, at: datetime) -> None:
    conn.execute(
        record_suppressions.update()
        .where(record_suppressions.c.ref == ref, record_suppressions.c.closed_at.is_(None))
        .values(closed_at=at)
    )


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


def get_dispute(conn: Connection, dispute_id: int) -> RowMapping | None:
    return get_case(conn, "disputes", dispute_id)


def disputes_by_status(conn: Connection, status: str, limit: int = 500) -> list[RowMapping]:
    return cases_by_status(conn, "disputes", status, limit)


def overdue_disputes(conn: Connection, now: datetime) -> list[RowMapping]:
    return overdue_cases(conn, "disputes", "open", now)


def insert_repair(conn: Connection, row: dict[str, Any]) -> int:
    """A repair application as stored (fixtures that build one directly)."""
    table = repair_applications
    return int(conn.execute(table.insert().returning(table.c.id), row).scalar_one())


# -- other packages' tables, read only (integration points; see credo.disputes.peers) --------


def _peer_table(module: str, name: str) -> Any | None:
    """A table of another package, or None while that package does not declare it."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _has_table(conn: Connection, table: Any) -> bool:
    from sqlalchemy import inspect

    return bool(inspect(conn).has_table(table.name))


def inquiries_of_subject(
    conn: Connection, subject_id: int, since: datetime | None = None
) -> list[RowMapping]:
    """The checks package's inquiry log about this subject (G-24), newest first."""
    inquiries = _peer_table("credo.checks.tables", "inquiries")
    if inquiries is None or not _has_table(conn, inquiries):
        return []
    query = select(inquiries).where(inquiries.c.subject_id == subject_id)
    if since is not None:
        query = query.where(inquiries.c.at >= since)
    return list(conn.execute(query.order_by(inquiries.c.at.desc())).mappings())


def rating_states_of_subject(conn: Connection, subject_id: int) -> list[RowMapping]:
    """The ratings package's current state rows for this subject."""
    rating_state = _peer_table("credo.ratings.tables", "rating_state")
    if rating_state is None or not _has_table(conn, rating_state):
        return []
    return list(
        conn.execute(
            select(rating_state)
            .where(rating_state.c.subject_id == subject_id)
            .order_by(rating_state.c.rating_key)
        ).mappings()
    )


def list_entry_of_subject(conn: Connection, entry_id: str, subject_id: int) -> RowMapping | None:
    """The lists package's materialised entry, only if it belongs to ``subject_id``."""
    list_entries = _peer_table("credo.lists.tables", "list_entries")
    if list_entries is None or not _has_table(conn, list_entries):
        return None
    return (
        conn.execute(
            select(list_entries).where(
                list_entries.c.id == entry_id, list_entries.c.subject_id == subject_id
            )
        )
        .mappings()
        .first()
    )


def chains_of_records(conn: Connection, record_ids: Sequence[str]) -> list[str]:
    return sorted(
        {
            r[0]
            for r in conn.execute(
                select(record_statements.c.chain_id).where(
                    record_statements.c.record_id.in_(list(record_ids))
                )
            )
        }
    )


def subjects_with_lapsed_list_entries(conn: Connection, today: date, limit: int) -> list[int]:
    """Subjects whose stored list entries passed their end date but are not marked ended."""
    list_entries = _peer_table("credo.lists.tables", "list_entries")
    if list_entries is None or not _has_table(conn, list_entries):
        return []
    rows = conn.execute(
        select(list_entries.c.subject_id)
        .where(list_entries.c.ends_on <= today, list_entries.c.status != "ended")
        .distinct()
        .limit(limit)
    )
    return sorted(r[0] for r in rows)
