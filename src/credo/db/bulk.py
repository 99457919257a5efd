"""Bulk writes for the hot append path, with the same semantics as ``credo.db.sql``'s
``insert_ignore`` / ``upsert`` / a plain insert, minus SQLAlchemy's per-row overhead.

- SQLite: the statement SQLAlchemy would compile, run once with ``executemany`` over tuples
  already converted by the columns' own bind processors (so stored values are identical).
- PostgreSQL: ``COPY`` into a session temp table, then one ``INSERT ... SELECT`` with the
  same ``ON CONFLICT`` clause (COPY alone cannot skip or update on conflict).

Rows must all carry the same keys; anything else falls back to the generic helpers."""

from __future__ import annotations

import gc
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Dialect,
    Table,
    and_,
    any_,
    bindparam,
)
from sqlalchemy.dialects.postgresql import ARRAY

from credo.db.sql import Keys, Rows, _insert_for, chunks, insert_ignore, upsert

Conflict = tuple[str, Keys, Keys]  # ("nothing" | "update", key, update)


@contextmanager
def frozen_heap() -> Iterator[None]:
    """For a bulk load: the objects alive when it starts (modules, the catalogue, compiled
    queries) are set aside from Python's cyclic garbage collector until it ends. A load
    allocates millions of short-lived rows, and every full collection in it would walk the
    whole long-lived heap again: about a fifth of an ingest's CPU (measured on 20,000 rows,
    docs/performance.md). Garbage made during the load is collected as usual; afterwards
    everything is collectable again."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def bulk_insert(conn: Connection, table: Table, rows: Rows) -> None:
    """A plain insert (no conflict handling), as ``conn.execute(table.insert(), rows)``."""
    if rows:
        _bulk(conn, table, rows, None)


def bulk_insert_ignore(conn: Connection, table: Table, rows: Rows) -> None:
    """As ``insert_ignore``: rows colliding with a unique key are skipped."""
    if rows:
        _bulk(conn, table, rows, ("nothing", (), ()))


def bulk_upsert(conn: Connection, table: Table, rows: Rows, key: Keys, update: Keys) -> None:
    """As ``upsert``; ``rows`` must not repeat a key (PostgreSQL refuses to update one row
    twice in one statement, so such batches take the generic path)."""
    if rows:
        _bulk(conn, table, rows, ("update", key, update))


def _bulk(conn: Connection, table: Table, rows: Rows, conflict: Conflict | None) -> None:
    columns = list(rows[0])
    if any(len(row) != len(columns) or row.keys() != rows[0].keys() for row in rows):
        return _generic(conn, table, rows, conflict)
    if conn.dialect.name == "postgresql":
        if conflict and conflict[0] == "update" and _repeats_key(rows, conflict[1]):
            return _generic(conn, table, rows, conflict)
        values = _converted(conn.dialect, table, rows, columns)
        return _copy_values(conn, table, columns, values, conflict)
    return _executemany(conn, table, columns, rows, conflict)


def _generic(conn: Connection, table: Table, rows: Rows, conflict: Conflict | None) -> None:
    if conflict is None:
        conn.execute(table.insert(), list(rows))
    elif conflict[0] == "nothing":
        insert_ignore(conn, table, rows)
    else:
        upsert(conn, table, rows, conflict[1], conflict[2])


def _repeats_key(rows: Rows, key: Sequence[str]) -> bool:
    return len({tuple(row[k] for k in key) for row in rows}) != len(rows)


def _statement(conn: Connection, table: Table, conflict: Conflict | None) -> Any:
    if conflict is None:
        return table.insert()
    statement = _insert_for(conn, table)
    if conflict[0] == "nothing":
        return statement.on_conflict_do_nothing()
    return statement.on_conflict_do_update(
        index_elements=list(conflict[1]),
        set_={name: statement.excluded[name] for name in conflict[2]},
    )


def _converters(
    dialect: Dialect, table: Table, columns: Sequence[str]
) -> list[Callable[[list[Any]], list[Any]] | None]:
    """Per column, a function converting a column of values with the type's own bind
    processor; dates and timestamps repeat a lot in a batch, so their results are memoised."""
    converters: list[Callable[[list[Any]], list[Any]] | None] = []
    for name in columns:
        column_type = table.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            converters.append(None)
        elif isinstance(column_type, Date | DateTime):
            converters.append(_memoised(process))
        else:
            converters.append(_plain(process))
    return converters


def _plain(process: Callable[[Any], Any]) -> Callable[[list[Any]], list[Any]]:
    return lambda values: [None if v is None else process(v) for v in values]


def _memoised(process: Callable[[Any], Any]) -> Callable[[list[Any]], list[Any]]:
    def convert(values: list[Any]) -> list[Any]:
        done: dict[Any, Any] = {}
        out: list[Any] = []
        for v in values:
            if v is None:
                out.append(None)
            elif v in done:
                out.append(done[v])
            else:
                out.append(done.setdefault(v, process(v)))
        return out

    return convert


def _converted(
    dialect: Dialect, table: Table, rows: Rows, columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    """Rows as tuples in ``columns`` order, converted column by column."""
    converted = []
    for name, convert in zip(columns, _converters(dialect, table, columns), strict=True):
        values = [row[name] for row in rows]
        converted.append(values if convert is None else convert(values))
    return list(zip(*converted, strict=True))


def _executemany(
    conn: Connection,
    table: Table,
    columns: list[str],
    rows: Rows,
    conflict: Conflict | None,
) -> None:
    compiled = _statement(conn, table, conflict).compile(dialect=conn.dialect, column_keys=columns)
    order = list(compiled.positiontup or ())  # the table's column order
    if sorted(order) != sorted(columns):  # escaped or extra parameters: SQLAlchemy's path
        return _generic(conn, table, rows, conflict)
    values = _converted(conn.dialect, table, rows, order)
    conn.exec_driver_sql(compiled.string, values)


def _copy_values(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    values: Sequence[Sequence[Any]],
    conflict: Conflict | None,
) -> None:
    names = ", ".join(f'"{c}"' for c in columns)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if conflict is None:
            _copy(cursor, table.name, names, values)
            return
        # Only the written columns, no constraints: the target table checks them on insert.
        staging = f"_bulk_{table.name}_{zlib.crc32(names.encode()):08x}"
        cursor.execute(
            f'CREATE TEMP TABLE IF NOT EXISTS "{staging}" ON COMMIT DELETE ROWS '
            f'AS SELECT {names} FROM "{table.name}" WITH NO DATA'
        )
        cursor.execute(f'TRUNCATE "{staging}"')
        _copy(cursor, staging, names, values)
        cursor.execute(
            f'INSERT INTO "{table.name}" ({names}) SELECT {names} FROM "{staging}" '
            + _on_conflict(conflict)
        )
    finally:
        cursor.close()


def _copy(cursor: Any, table: str, names: str, values: Sequence[Sequence[Any]]) -> None:
    with cursor.copy(f'COPY "{table}" ({names}) FROM STDIN') as copy:
        for value in values:
            copy.write_row(value)


def _on_conflict(conflict: Conflict) -> str:
    if conflict[0] == "nothing":
        return "ON CONFLICT DO NOTHING"
    key = ", ".join(f'"{k}"' for k in conflict[1])
    sets = ", ".join(f'"{c}" = EXCLUDED."{c}"' for c in conflict[2])
    return f"ON CONFLICT ({key}) DO UPDATE SET {sets}"


@dataclass
class BoundRows:
    """Rows already converted by their columns' bind processors, in the table's column
    order (``bind_rows``): a bulk loader converts them outside its write lock and inserts
    them inside it. Values are lists, so columns known only at write time can be filled in."""

    dialect: str
    columns: list[str]
    values: list[list[Any]]


def bind_rows(dialect: Dialect, table: Table, rows: Rows) -> BoundRows:
    """``rows`` (all with the same keys) converted as ``bulk_insert`` would convert them."""
    columns = [c.name for c in table.columns if rows and c.name in rows[0]]
    values = [list(row) for row in _converted(dialect, table, rows, columns)]
    return BoundRows(dialect.name, columns, values)


def binder(dialect: Dialect, column: ColumnElement[Any]) -> Callable[[Any], Any]:
    """Converts values of ``column`` by its bind processor, looked up once (the look-up costs
    more than the conversion of a date)."""
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    if process is None:
        return lambda value: value
    return lambda value: None if value is None else process(value)


def bulk_insert_ignore_bound(conn: Connection, table: Table, bound: BoundRows) -> None:
    """As ``bulk_insert_ignore`` for rows bound beforehand for this connection's dialect."""
    if bound.dialect != conn.dialect.name:
        raise ValueError(f"rows bound for {bound.dialect}, written to {conn.dialect.name}")
    if not bound.values:
        return
    conflict: Conflict = ("nothing", (), ())
    if conn.dialect.name == "postgresql":
        return _copy_values(conn, table, bound.columns, bound.values, conflict)
    compiled = _statement(conn, table, conflict).compile(
        dialect=conn.dialect, column_keys=bound.columns
    )
    if list(compiled.positiontup or ()) != bound.columns:  # bind_rows keeps the table's order
        raise ValueError(f"unexpected parameter order for {table.name}")
    conn.exec_driver_sql(compiled.string, [tuple(v) for v in bound.values])


def pair_clauses(
    conn: Connection,
    first: ColumnElement[Any],
    second: ColumnElement[Any],
    pairs: Iterable[tuple[Any, Any]],
    size: int = 900,
) -> Iterator[Any]:
    """Clauses that together match ``(first, second) IN pairs``, one per value of ``first``
    and chunk of ``second``: each can use an index on (first, second), where SQLite scans
    the whole table for a row-value IN list."""
    by_first: dict[Any, set[Any]] = {}
    for a, b in pairs:
        by_first.setdefault(a, set()).add(b)
    for a, seconds in sorted(by_first.items()):
        for part in chunks(sorted(seconds), size):
            yield and_(first == a, in_values(conn, second, part))


def in_values(conn: Connection, column: ColumnElement[Any], values: Sequence[Any]) -> Any:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``, one parameter instead
    of hundreds (2 to 3 times faster per look-up of 900 keys)."""
    if conn.dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)
