"""What the migrations share: column constructors, constraint names in the metadata's naming
convention, and the column sets several tables repeat.

Migrations are history. What a helper here returns is part of every revision that calls it:
change it and an old revision builds another schema. An edit here needs a dump of the schema
each revision builds, up and down, on SQLite and PostgreSQL, before and after (the same, but
for what the edit means to change)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
TS = sa.DateTime(timezone=True)


def column(name: str, type_: Any, null: bool = False, **options: Any) -> sa.Column[Any]:
    """A column, NOT NULL unless ``null``."""
    return sa.Column(name, type_, nullable=null, **options)


def serial(name: str = "id") -> sa.Column[Any]:
    """An integer primary key column the database numbers."""
    return sa.Column(name, sa.Integer(), autoincrement=True, nullable=False)


def pk(table: str, *columns: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint(*columns, name=op.f(f"pk_{table}"))


def fk(table: str, column_name: str, target: str) -> sa.ForeignKeyConstraint:
    """``table.column_name`` references ``target`` (``"other.column"``)."""
    name = f"fk_{table}_{column_name}_{target.split('.')[0]}"
    return sa.ForeignKeyConstraint([column_name], [target], name=op.f(name))


def subject_fk(table: str) -> sa.ForeignKeyConstraint:
    return fk(table, "subject_id", "subjects.id")


def unique(table: str, *columns: str) -> sa.UniqueConstraint:
    return sa.UniqueConstraint(*columns, name=op.f(f"uq_{table}_{'_'.join(columns)}"))


def columns(type_: Any, *names: str, null: bool = False) -> list[sa.Column[Any]]:
    """Columns of one type, side by side in this order."""
    return [column(name, type_, null) for name in names]


def record_facts() -> list[sa.Column[Any]]:
    """What a furnisher said a record is, in ``record_statements`` and ``record_current``
    alike: who furnished it under which reference, its type and subject, and its dates."""
    return [
        column("furnisher_id", sa.String(length=64)),
        column("source_ref", sa.String(length=200)),
        column("record_type", sa.String(length=64)),
        column("subject_id", sa.Integer()),
        *columns(sa.Date(), "occurred_on", "effective_from", "effect_until", "expires_on"),
    ]


def index(table: str, name: str, columns: list[str], batch_name: bool = False) -> None:
    """Create an index inside a batch operation (SQLite recreates nothing for it); with
    ``batch_name`` its name is marked final as ``batch_op.f`` marks it."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(name) if batch_name else name, columns, unique=False)


def drop_indexed(table: str, *indexes: str) -> None:
    """Drop a table after the indexes made on it in a batch operation."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for name in indexes:
            batch_op.drop_index(name)
    op.drop_table(table)
