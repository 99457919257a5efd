"""Small dialect helpers shared by the repositories (all SQL lives in repositories)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection, RowMapping, Table, and_, case, func, literal, select
from sqlalchemy.dialects import postgresql, sqlite

T = TypeVar("T")
Rows = Sequence[dict[str, Any]]  # a batch of rows to write, all with the same keys
Keys = Sequence[str]  # column names


def _insert_for(conn: Connection, table: Table) -> Any:
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def insert_ignore(conn: Connection, table: Table, rows: Rows) -> None:
    """Insert rows, skipping those that collide with a unique key (idempotent appends)."""
    if rows:
        conn.execute(_insert_for(conn, table).on_conflict_do_nothing(), list(rows))


def upsert(conn: Connection, table: Table, rows: Rows, key: Keys, update: Keys) -> None:
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


@dataclass(frozen=True, slots=True)
class KeyedTable:
    """Reads ``table`` by its single-column primary key: rows by key, how many there are, and
    the keys in order one page at a time (keyset)."""

    table: Table

    @property
    def _key(self) -> Any:
        return self.table.primary_key.columns.values()[0]

    def by_id(self, conn: Connection, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """key -> row for the ``keys`` that exist (read 900 keys a query)."""
        key = self._key  # once, not per row
        found: dict[str, dict[str, Any]] = {}
        for part in chunks(sorted(set(keys)), 900):
            for row in conn.execute(select(self.table).where(key.in_(part))).mappings():
                found[str(row[key.name])] = dict(row)
        return found

    def count(self, conn: Connection) -> int:
        return int(conn.execute(select(func.count()).select_from(self.table)).scalar_one())

    def ids_after(self, conn: Connection, after: str, limit: int) -> list[str]:
        key = self._key
        query = select(key).where(key > after).order_by(key).limit(limit)
        return [str(k) for k in conn.execute(query).scalars()]


def rows_where(conn: Connection, table: Table, where: Any, *order_by: Any) -> list[RowMapping]:
    """Every row of ``table`` that meets ``where``, in ``order_by`` order."""
    return list(conn.execute(select(table).where(where).order_by(*order_by)).mappings())
