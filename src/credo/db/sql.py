"""Small dialect helpers shared by the repositories (all SQL lives in repositories)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")


def _insert_for(conn: Connection, table: Table) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def insert_ignore(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows, skipping those that collide with a unique key (idempotent appends)."""
    if rows:
        conn.execute(_insert_for(conn, table).on_conflict_do_nothing(), list(rows))


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[dict[str, Any]],
    key: Sequence[str],
    update: Sequence[str],
) -> None:
    if not rows:
        return
    statement = _insert_for(conn, table)
    statement = statement.on_conflict_do_update(
        index_elements=list(key), set_={name: statement.excluded[name] for name in update}
    )
    conn.execute(statement, list(rows))


def chunks(items: Sequence[T], size: int = 500) -> list[Sequence[T]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def stream(
    conn: Connection, query: Any, chunk: int, limit: int | None = None
) -> Iterator[list[dict[str, Any]]]:
    """The rows of ``query`` in lists of ``chunk``: all of them through a server-side cursor
    (PostgreSQL) or SQLite's stepping cursor, so a result of any size holds one chunk in
    memory; or the first ``limit`` at once."""
    if limit is not None:
        yield [dict(row) for row in conn.execute(query.limit(limit)).mappings()]
        return
    # on the statement: Connection.execution_options would keep streaming for later queries
    result = conn.execute(query, execution_options={"yield_per": chunk}).mappings()
    for part in result.partitions(chunk):
        yield [dict(row) for row in part]
