"""All SQL about ingestion runs and quarantined rows."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select, text

from credo.db.sql import chunks, insert_ignore, rows_where
from credo.ingest.tables import ingest_runs, quarantine, snapshot_deliveries


def start_run(
    conn: Connection,
    *,
    source_key: str,
    source_name: str,
    mapping: str,
    furnisher_id: str,
    started_at: datetime,
) -> int:
    result = conn.execute(
        ingest_runs.insert()
        .values(
            source_key=source_key,
            source_name=source_name[-300:],
            mapping=mapping[-200:],
            furnisher_id=furnisher_id,
            started_at=started_at,
            rows_read=0,
            accepted=0,
            duplicate=0,
            quarantined=0,
            status="running",
        )
        .returning(ingest_runs.c.id)
    )
    return int(result.scalar_one())


def update_run(
    conn: Connection,
    run_id: int,
    counts: dict[str, int],
    *,
    status: str = "running",
    finished_at: datetime | None = None,
    lines_read: int | None = None,
    not_reached: int | None = None,
    error: str | None = None,
) -> None:
    """The run's counts and status; ``lines_read``, ``not_reached`` and ``error`` (migration
    0011) are written when given and left as they are otherwise."""
    report = {"lines_read": lines_read, "not_reached": not_reached, "error": error}
    conn.execute(
        ingest_runs.update()
        .where(ingest_runs.c.id == run_id)
        .values(
            rows_read=counts["rows_read"],
            accepted=counts["accepted"],
            duplicate=counts["duplicate"],
            quarantined=counts["quarantined"],
            status=status,
            finished_at=finished_at,
            **{k: v for k, v in report.items() if v is not None},
        )
    )


def add_quarantine(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """UNIQUE(source_key, row_number): a re-run of the same file never doubles a row."""
    insert_ignore(conn, quarantine, rows)


def runs_of_source(conn: Connection, source_key: str) -> list[RowMapping]:
    runs = ingest_runs.c
    return rows_where(conn, ingest_runs, runs.source_key == source_key, runs.id)


def quarantined_rows(conn: Connection, source_key: str) -> list[RowMapping]:
    q = quarantine.c
    return rows_where(conn, quarantine, q.source_key == source_key, q.row_number)


BULK_CACHE_KIB = 65536


def prepare_bulk_session(conn: Connection) -> None:
    """SQLite: a larger page cache for this connection (the record tables' random keys, hash
    ids, otherwise spill the default 2 MiB cache on every chunk: about 2x slower).
    (PostgreSQL connections run without JIT from the start: ``credo.db.connect``.)"""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")


# -- full-list (snapshot) deliveries ------------------------------------------------------------


def lock_deliveries(conn: Connection, furnisher_id: str) -> None:
    """Serialise one furnisher's full-list deliveries until the transaction ends, so no two
    plan against the same state. PostgreSQL: a transaction-scoped advisory lock per
    furnisher. SQLite: a write first, so the transaction holds the single write lock before
    it reads anything."""
    if conn.dialect.name == "postgresql":
        digest = hashlib.blake2b(f"snapshot:{furnisher_id}".encode(), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    else:
        conn.execute(
            snapshot_deliveries.update()
            .where(snapshot_deliveries.c.id == -1)
            .values(status=snapshot_deliveries.c.status)
        )


def insert_delivery(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(
        snapshot_deliveries.insert().values(**row).returning(snapshot_deliveries.c.id)
    )
    return int(result.scalar_one())


def update_delivery(conn: Connection, delivery_id: int, **values: Any) -> None:
    conn.execute(
        snapshot_deliveries.update().where(snapshot_deliveries.c.id == delivery_id).values(**values)
    )


def get_delivery(conn: Connection, delivery_id: int) -> RowMapping | None:
    return (
        conn.execute(select(snapshot_deliveries).where(snapshot_deliveries.c.id == delivery_id))
        .mappings()
        .first()
    )


def deliveries_of_source(
    conn: Connection, furnisher_id: str, source_key: str, statuses: Sequence[str]
) -> list[RowMapping]:
    d = snapshot_deliveries.c
    return list(
        conn.execute(
            select(snapshot_deliveries)
            .where(d.furnisher_id == furnisher_id, d.source_key == source_key)
            .where(d.status.in_(list(statuses)))
            .order_by(d.id)
        ).mappings()
    )


def applied_after(conn: Connection, furnisher_id: str, delivered_on: date) -> list[RowMapping]:
    """The furnisher's deliveries of a later date that were applied."""
    d = snapshot_deliveries.c
    return list(
        conn.execute(
            select(d.id, d.record_types, d.delivered_on)
            .where(d.furnisher_id == furnisher_id, d.status == "applied")
            .where(d.delivered_on > delivered_on)
            .order_by(d.delivered_on)
        ).mappings()
    )


def list_deliveries(
    conn: Connection,
    *,
    status: str | None = None,
    furnisher_id: str | None = None,
    limit: int = 100,
) -> list[RowMapping]:
    """Newest first, without the held rows."""
    d = snapshot_deliveries.c
    query = select(*[c for c in snapshot_deliveries.c if c.name != "rows"])
    if status is not None:
        query = query.where(d.status == status)
    if furnisher_id is not None:
        query = query.where(d.furnisher_id == furnisher_id)
    return list(conn.execute(query.order_by(d.id.desc()).limit(limit)).mappings())


def recent_runs(conn: Connection, limit: int) -> list[RowMapping]:
    query = select(ingest_runs).order_by(ingest_runs.c.id.desc()).limit(limit)
    return list(conn.execute(query).mappings())


def quarantine_reasons(conn: Connection) -> list[tuple[str, int]]:
    q = quarantine.c
    query = select(q.reason_code, func.count()).group_by(q.reason_code)
    return [(code, int(n)) for code, n in conn.execute(query.order_by(func.count().desc()))]


# -- retention (``purge_quarantine``) --------------------------------------------------------


def quarantine_before(conn: Connection, before: datetime, limit: int) -> list[int]:
    """Ids of quarantined input rows stored before ``before``, oldest first."""
    q = quarantine.c
    return list(
        conn.execute(
            select(q.id).where(q.created_at < before).order_by(q.created_at, q.id).limit(limit)
        ).scalars()
    )


def delete_quarantine(conn: Connection, ids: Sequence[int]) -> None:
    for part in chunks(list(ids), 900):
        conn.execute(quarantine.delete().where(quarantine.c.id.in_(part)))
