"""Migration 0003 creates exactly the declared list and check tables, and downgrades and
upgrades again, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from credo.db.metadata import import_all_tables
from credo.db.migrate import downgrade, upgrade

MINE = {"list_entries", "inquiries", "subscriptions", "check_events"}


def test_0003_matches_the_tables_and_round_trips(database_url: str, engine: Engine) -> None:
    metadata = import_all_tables()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if any(t in str(d) for t in MINE)] == []
    downgrade(database_url, "0002")
    assert not MINE & set(inspect(engine).get_table_names())
    upgrade(database_url)
    assert set(inspect(engine).get_table_names()) >= MINE
