"""Every connection Credo opens (credo.db.connect.make_engine) is set up as its database
needs, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine


def test_each_connection_is_set_up_for_its_database(engine: Engine) -> None:
    """SQLite: write-ahead log and enforced foreign keys. PostgreSQL: no JIT, which spends
    seconds to minutes compiling the rating queries' long CASE expressions once the tables
    have statistics, for queries that run in milliseconds."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        else:
            assert conn.exec_driver_sql("SHOW jit").scalar() == "off"
