"""All SQL about the audit log, its head and catalogue-change proposals."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select, text

from credo.audit.tables import audit_head, audit_log, catalogue_changes
from credo.db.bulk import bulk_insert

HEAD_ROW = 1
COPY_FROM = 100  # entries in one call from which PostgreSQL writes them by COPY
# An arbitrary constant: the PostgreSQL advisory lock that serialises appends to the chain.
AUDIT_LOCK_KEY = 0x0C4ED0A0D1


def lock_chain(conn: Connection) -> None:
    """Serialise appenders until the transaction ends, so the chain never forks and never
    reads a stale head. PostgreSQL: a transaction-scoped advisory lock. SQLite: a no-op write
    first, so the transaction holds the single write lock (waiting for it under the busy
    timeout) before it reads the head. The primary key on ``seq`` backs both up."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_LOCK_KEY})
    else:
        conn.execute(
            audit_head.update().where(audit_head.c.id == HEAD_ROW).values(seq=audit_head.c.seq)
        )


def head(conn: Connection) -> tuple[int, str] | None:
    row = conn.execute(
        select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == HEAD_ROW)
    ).first()
    return (int(row[0]), str(row[1])) if row else None


COLUMNS = ("seq", "at", "actor", "action", "subject_id", "payload", "prev_hash", "hash")
_SQLITE_INSERT = (
    f"INSERT INTO audit_log ({', '.join(COLUMNS)}) VALUES ({', '.join('?' for _ in COLUMNS)})"
)


def insert_entries(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """On SQLite the driver's executemany is about twice as fast as Core's (this runs on every
    record write); on PostgreSQL a batch of a bulk write goes by COPY (every column is text or
    a number: the stored values are those of Core's insert), a few entries by Core."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(_SQLITE_INSERT, [tuple(r[c] for c in COLUMNS) for r in rows])
    elif len(rows) >= COPY_FROM:
        bulk_insert(conn, audit_log, rows)
    else:
        conn.execute(audit_log.insert(), list(rows))


def set_head(conn: Connection, seq: int, digest: str, existed: bool) -> None:
    if existed:
        conn.execute(
            audit_head.update().where(audit_head.c.id == HEAD_ROW).values(seq=seq, hash=digest)
        )
    else:
        conn.execute(audit_head.insert().values(id=HEAD_ROW, seq=seq, hash=digest))


def entries_in_order(conn: Connection, page: int = 5000) -> Iterator[RowMapping]:
    """Every entry by ascending ``seq``, read page by page (keyset pagination)."""
    after = -1
    while True:
        rows = recent_entries(conn, after, page)
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1]["seq"]


def entries_of_subject(conn: Connection, subject_id: int, limit: int = 500) -> list[RowMapping]:
    return list(
        conn.execute(
            select(audit_log)
            .where(audit_log.c.subject_id == subject_id)
            .order_by(audit_log.c.seq.desc())
            .limit(limit)
        ).mappings()
    )


def recent_entries(conn: Connection, after: int, limit: int) -> list[RowMapping]:
    return list(
        conn.execute(
            select(audit_log).where(audit_log.c.seq > after).order_by(audit_log.c.seq).limit(limit)
        ).mappings()
    )


def count_entries(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(audit_log)).scalar_one())


def insert_change(conn: Connection, row: dict[str, Any]) -> int:
    return int(
        conn.execute(catalogue_changes.insert().returning(catalogue_changes.c.id), row).scalar_one()
    )


def get_change(conn: Connection, change_id: int) -> RowMapping | None:
    return (
        conn.execute(select(catalogue_changes).where(catalogue_changes.c.id == change_id))
        .mappings()
        .first()
    )


def decide_change(conn: Connection, change_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        catalogue_changes.update().where(catalogue_changes.c.id == change_id).values(**values)
    )


def changes(conn: Connection, status: str | None = None) -> list[RowMapping]:
    query = select(catalogue_changes).order_by(catalogue_changes.c.id)
    if status is not None:
        query = query.where(catalogue_changes.c.status == status)
    return list(conn.execute(query).mappings())


def entries_with_actions(conn: Connection, actions: Sequence[str]) -> list[RowMapping]:
    """The entries of a few rare actions (retention batches, checkpoints), oldest first."""
    return list(
        conn.execute(
            select(audit_log).where(audit_log.c.action.in_(list(actions))).order_by(audit_log.c.seq)
        ).mappings()
    )


def last_entry_with_action(conn: Connection, action: str) -> RowMapping | None:
    return (
        conn.execute(
            select(audit_log)
            .where(audit_log.c.action == action)
            .order_by(audit_log.c.seq.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )


def entry_at(conn: Connection, seq: int) -> RowMapping | None:
    return conn.execute(select(audit_log).where(audit_log.c.seq == seq)).mappings().first()
