"""Small dialect helpers shared by the repositories (all SQL lives in repositories)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, RowMapping, Table, and_, case, func, literal, select
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


def within_window(
    moment: Any, key: Any, start: Any, end: Any, not_before: Mapping[str, Any]
) -> Any:
    """``moment`` within [start, end] and, where ``key`` is one of ``not_before``'s keys, not
    before the moment given there (a furnisher's window restarts at its release, G-49)."""
    clauses = [moment >= start, moment <= end]
    if not_before:
        clauses.append(moment >= case(dict(not_before), value=key, else_=literal(start)))
    return and_(*clauses)


# -- reading a table by its single-column primary key (the audit log's data check) ----------


def _key_of(table: Table) -> Any:
    return table.primary_key.columns.values()[0]


def rows_by_key(conn: Connection, table: Table, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    """key -> row of ``table`` for the ``keys`` that exist (read 900 keys a query)."""
    key = _key_of(table)
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(sorted(set(keys)), 900):
        for row in conn.execute(select(table).where(key.in_(part))).mappings():
            found[str(row[key.name])] = dict(row)
    return found


def count_rows(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def keys_after(conn: Connection, table: Table, after: str, limit: int) -> list[str]:
    """The primary keys of ``table`` in order, one page after ``after`` (keyset)."""
    key = _key_of(table)
    query = select(key).where(key > after).order_by(key).limit(limit)
    return [str(k) for k in conn.execute(query).scalars()]


def rows_where(conn: Connection, table: Table, where: Any, *order_by: Any) -> list[RowMapping]:
    """Every row of ``table`` that meets ``where``, in ``order_by`` order."""
    return list(conn.execute(select(table).where(where).order_by(*order_by)).mappings())
