"""All SQL about ingestion runs and quarantined rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from credo.db.sql import insert_ignore
from credo.ingest.tables import ingest_runs, quarantine


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
) -> None:
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
        )
    )


def add_quarantine(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """UNIQUE(source_key, row_number): a re-run of the same file never doubles a row."""
    insert_ignore(conn, quarantine, rows)


def runs_of_source(conn: Connection, source_key: str) -> list[RowMapping]:
    return list(
        conn.execute(
            select(ingest_runs)
            .where(ingest_runs.c.source_key == source_key)
            .order_by(ingest_runs.c.id)
        ).mappings()
    )


def quarantined_rows(conn: Connection, source_key: str) -> list[RowMapping]:
    return list(
        conn.execute(
            select(quarantine)
            .where(quarantine.c.source_key == source_key)
            .order_by(quarantine.c.row_number)
        ).mappings()
    )


BULK_CACHE_KIB = 65536


def prepare_bulk_session(conn: Connection) -> None:
    """A larger SQLite page cache for this connection: the record tables' random keys
    (hash ids) otherwise spill the default 2 MiB cache on every chunk (about 2x slower)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
