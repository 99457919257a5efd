"""All SQL of the ratings engine: running compiled rating queries on the system of record,
extracting records for the batch engines, the real-time state and the snapshots."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

import pyarrow as pa
from sqlalchemy import Connection, RowMapping, delete, func, select, update

from credo.db.sql import chunks, upsert
from credo.ratings.compiler import Dialect
from credo.ratings.tables import (
    rating_pointers,
    rating_snapshot_results,
    rating_snapshots,
    rating_state,
)
from credo.records.tables import record_current, record_statements, record_suppressions


def dialect_of(conn: Connection) -> Dialect:
    return "postgres" if conn.dialect.name == "postgresql" else "sqlite"


def run_compiled(conn: Connection, sql: str) -> list[dict[str, Any]]:
    """Run a query made by credo.ratings.compiler on the system of record. The SQL is complete
    (no parameters), so it goes to the driver as it is: SQLAlchemy's ``text()`` scans and
    caches every distinct statement, which cost more than SQLite's own run of it."""
    return [dict(row) for row in conn.exec_driver_sql(sql).mappings()]


# -- extracts for DuckDB and Spark ----------------------------------------------------------

_DATE_COLUMNS = ("occurred_on", "effective_from", "effect_until", "expires_on")


def _json_text(payload: Any) -> str:
    """A payload as JSON text. Payloads stored before numbers were bounded at ingestion may
    hold integers beyond 64 bits (PostgreSQL's JSONB returns them as Python ints), which
    orjson refuses: the standard library writes them."""
    import json

    import orjson

    try:
        return orjson.dumps(payload).decode()
    except orjson.JSONEncodeError:
        return json.dumps(payload, separators=(",", ":"))


def extract_tables(conn: Connection, record_types: Sequence[str]) -> dict[str, pa.Table]:
    """The rating inputs as Arrow tables with the system of record's column names, payloads
    as JSON text, so the same compiled SQL runs on DuckDB and Spark."""

    def rows_of(table: Any, where: Any = None) -> list[dict[str, Any]]:
        query = select(table) if where is None else select(table).where(where)
        rows = [dict(r) for r in conn.execute(query).mappings()]
        for row in rows:
            if "payload" in row:
                row["payload"] = _json_text(row["payload"])
            for column in ("evidence", "provenance"):
                row.pop(column, None)
        return rows

    types = list(record_types)
    return {
        "record_current": _arrow(
            rows_of(record_current, record_current.c.record_type.in_(types)), record_current
        ),
        "record_statements": _arrow(
            rows_of(record_statements, record_statements.c.record_type.in_(types)),
            record_statements,
        ),
        "record_suppressions": _arrow(rows_of(record_suppressions), record_suppressions),
    }


def _arrow(rows: list[dict[str, Any]], table: Any) -> pa.Table:
    fields = []
    for column in table.columns:
        if column.name in ("evidence", "provenance"):
            continue
        python_type = _python_type(column)
        arrow_type = {
            int: pa.int64(),
            date: pa.date32(),
            datetime: pa.timestamp("us", tz="UTC"),
        }.get(python_type, pa.string())
        fields.append(pa.field(column.name, arrow_type))
    return pa.Table.from_pylist(rows, schema=pa.schema(fields))


def _python_type(column: Any) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:
        return str


# -- real-time state ------------------------------------------------------------------------


def subjects_with_inputs(
    conn: Connection, record_types: Sequence[str], subject_ids: Iterable[int]
) -> set[int]:
    found: set[int] = set()
    for part in chunks(sorted(set(subject_ids)), 900):
        rows = conn.execute(
            select(record_current.c.subject_id)
            .where(
                record_current.c.subject_id.in_(part),
                record_current.c.record_type.in_(list(record_types)),
            )
            .distinct()
        )
        found.update(r[0] for r in rows)
    return found


def replace_state(
    conn: Connection, rating_key: str, subject_ids: Iterable[int], rows: Sequence[dict[str, Any]]
) -> None:
    """Set the state of ``subject_ids``: the given rows, and no row for the others."""
    ids = sorted(set(subject_ids))
    for part in chunks(ids, 900):
        conn.execute(
            delete(rating_state).where(
                rating_state.c.rating_key == rating_key, rating_state.c.subject_id.in_(part)
            )
        )
    if rows:
        upsert(
            conn,
            rating_state,
            rows,
            ["rating_key", "subject_id"],
            ["as_of", "band", "total", "features", "evaluated_at", "reason"],
        )


def state_rows(conn: Connection, rating_key: str) -> list[RowMapping]:
    return list(
        conn.execute(
            select(rating_state)
            .where(rating_state.c.rating_key == rating_key)
            .order_by(rating_state.c.subject_id)
        ).mappings()
    )


# -- snapshots ------------------------------------------------------------------------------


def create_snapshot(
    conn: Connection, rating_key: str, as_of: date, engine: str, now: datetime
) -> int:
    result = conn.execute(
        rating_snapshots.insert().values(
            rating_key=rating_key,
            as_of=as_of,
            engine=engine,
            status="building",
            subjects=0,
            summary={},
            created_at=now,
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def insert_results(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    for part in chunks(list(rows), 5000):
        conn.execute(rating_snapshot_results.insert(), list(part))


def band_counts(conn: Connection, snapshot_id: int) -> dict[str, int]:
    rows = conn.execute(
        select(rating_snapshot_results.c.band, func.count())
        .where(rating_snapshot_results.c.snapshot_id == snapshot_id)
        .group_by(rating_snapshot_results.c.band)
    )
    return {band: int(count) for band, count in rows}


def finish_snapshot(
    conn: Connection, snapshot_id: int, status: str, subjects: int, summary: dict[str, Any]
) -> None:
    conn.execute(
        update(rating_snapshots)
        .where(rating_snapshots.c.id == snapshot_id)
        .values(status=status, subjects=subjects, summary=summary)
    )


def current_snapshot_id(conn: Connection, rating_key: str) -> int | None:
    return conn.execute(
        select(rating_pointers.c.snapshot_id).where(rating_pointers.c.rating_key == rating_key)
    ).scalar()


def switch_pointer(conn: Connection, rating_key: str, snapshot_id: int, now: datetime) -> None:
    upsert(
        conn,
        rating_pointers,
        [{"rating_key": rating_key, "snapshot_id": snapshot_id, "switched_at": now}],
        ["rating_key"],
        ["snapshot_id", "switched_at"],
    )


def snapshots_of(conn: Connection, rating_key: str) -> list[RowMapping]:
    return list(
        conn.execute(
            select(rating_snapshots)
            .where(rating_snapshots.c.rating_key == rating_key)
            .order_by(rating_snapshots.c.id)
        ).mappings()
    )


def snapshot_results(conn: Connection, snapshot_id: int) -> list[RowMapping]:
    return list(
        conn.execute(
            select(rating_snapshot_results)
            .where(rating_snapshot_results.c.snapshot_id == snapshot_id)
            .order_by(rating_snapshot_results.c.subject_id)
        ).mappings()
    )


def subject_snapshot_history(
    conn: Connection, rating_key: str, subject_id: int
) -> list[RowMapping]:
    """What each valid snapshot said about one subject, oldest first."""
    return list(
        conn.execute(
            select(
                rating_snapshots.c.id,
                rating_snapshots.c.as_of,
                rating_snapshots.c.created_at,
                rating_snapshot_results.c.band,
                rating_snapshot_results.c.total,
                rating_snapshot_results.c.reason,
            )
            .join(
                rating_snapshot_results,
                rating_snapshot_results.c.snapshot_id == rating_snapshots.c.id,
            )
            .where(
                rating_snapshots.c.rating_key == rating_key,
                rating_snapshots.c.status == "valid",
                rating_snapshot_results.c.subject_id == subject_id,
            )
            .order_by(rating_snapshots.c.id)
        ).mappings()
    )


def event_dates(conn: Connection, subject_id: int, record_types: Sequence[str]) -> list[date]:
    """The days on which the subject's input records took effect or ended (valid time)."""
    rc = record_current.c
    where = (rc.subject_id == subject_id, rc.record_type.in_(list(record_types)))
    days: set[date] = set()
    for column in (rc.effective_from, rc.effect_until):
        days.update(row[0] for row in conn.execute(select(column).where(*where).distinct()))
    return sorted(days)


def open_suppression_reasons(
    conn: Connection, chain_ids: Sequence[str], known_at: datetime | None = None
) -> dict[str, str]:
    """chain id -> the reason of its open suppression (now, or as known at ``known_at``), for
    explanations: a repaired or deleted record says so instead of "suspended"."""
    s = record_suppressions.c
    found: dict[str, str] = {}
    for part in chunks(sorted(set(chain_ids)), 900):
        query = select(s.chain_id, s.reason).where(s.chain_id.in_(part)).order_by(s.id)
        if known_at is None:
            query = query.where(s.closed_at.is_(None))
        else:
            query = query.where(
                s.opened_at <= known_at, (s.closed_at.is_(None)) | (s.closed_at > known_at)
            )
        for chain_id, reason in conn.execute(query):
            found.setdefault(chain_id, reason)
    return found
