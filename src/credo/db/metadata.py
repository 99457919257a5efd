"""The shared MetaData. Each domain package declares its own tables on it in ``tables.py``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, MetaData, Table
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeEngine

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING)

# JSON on SQLite, JSONB on PostgreSQL.
JsonType: TypeEngine[Any] = JSON().with_variant(JSONB(), "postgresql")


def table(name: str, *items: SchemaItem) -> Table:
    """A domain's table, on the one MetaData: its constraints named by NAMING, and found by
    import_all_tables for the migrations and the tests."""
    return Table(name, metadata, *items)


def import_all_tables() -> MetaData:
    """Import every domain's table module so the MetaData is complete (migrations, tests)."""
    import importlib
    import pkgutil

    import credo

    for module in pkgutil.walk_packages(credo.__path__, "credo."):
        if module.name.endswith(".tables"):
            importlib.import_module(module.name)
    return metadata
