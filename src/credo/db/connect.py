"""Engines for SQLite (WAL, the embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def _json_dumps(value: Any) -> str:
    # orjson is several times faster than json.dumps on the bulk append path; same JSON values.
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    kwargs.setdefault("json_serializer", _json_dumps)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No JIT on any of Credo's PostgreSQL connections. The compiled rating queries are long
    # CASE expressions over small sets: once record_current has statistics they are costed
    # above jit_above_cost, and LLVM then spends seconds to minutes optimising a query that
    # runs in milliseconds (the rating hook of a 20,000-row ingest: 267 s with JIT, 5.7 s
    # without; docs/performance.md). A single API write runs the same hook.
    connect_args = {**kwargs.pop("connect_args", {})}
    connect_args["options"] = f"{connect_args.get('options', '')} -c jit=off".strip()
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-131072")
    cursor.close()


def bulk_load_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """For connections that load a SQLite database being built from scratch (the demo):
    no fsync and rare checkpoints (the loader checkpoints once at the end). A crash mid-load
    can lose the last transactions, which a re-run appends again (appends are idempotent)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA synchronous=OFF")
    cursor.execute("PRAGMA wal_autocheckpoint=50000")
    # A loader's transaction dirties most index pages of a large registry: keep them in
    # memory until the commit instead of spilling them to the log mid-transaction.
    cursor.execute("PRAGMA cache_size=-1048576")
    cursor.close()


def checkpoint(engine: Engine) -> None:
    """Copy SQLite's write-ahead log into the database file and truncate it."""
    if is_sqlite(engine):
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
