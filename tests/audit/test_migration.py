"""Migration 0004 creates exactly the due-process and audit tables, matching the tables the
code declares, and can be undone and redone, on both databases."""

from __future__ import annotations

from sqlalchemy import Engine, inspect

from credo.db.metadata import import_all_tables
from credo.db.migrate import downgrade, upgrade

TABLES = {
    "audit_log",
    "audit_head",
    "catalogue_changes",
    "notices",
    "notice_contacts",
    "disputes",
    "subject_statements",
    "repair_applications",
    "record_expiries",
}


def test_0004_matches_the_declared_tables_and_round_trips(
    engine: Engine, database_url: str
) -> None:
    metadata = import_all_tables()
    with engine.connect() as conn:
        inspector = inspect(conn)
        for name in TABLES:
            migrated = {c["name"] for c in inspector.get_columns(name)}
            assert migrated == set(metadata.tables[name].columns.keys()), name
    engine.dispose()
    downgrade(database_url, "0003")
    with engine.connect() as conn:
        assert not TABLES & set(inspect(conn).get_table_names())
    engine.dispose()
    upgrade(database_url)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) >= TABLES
