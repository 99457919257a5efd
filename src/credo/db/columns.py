"""The column sets the domains' tables repeat, written once: a column is NOT NULL unless it
says ``null``; a moment is a time-zone-aware timestamp; a row numbered by the database has a
``serial`` key; a row about a subject carries ``subject_id`` (a foreign key to ``subjects``
where the row cannot outlive its subject) and, where it is read by subject, its
``ix_<table>_subject`` index.

These are the tables of today. The migrations have their own helpers
(credo.db.migrations.columns): a revision is history and must keep building the schema it
built, whatever becomes of these."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.schema import SchemaItem
from sqlalchemy.types import TypeEngine

TS: TypeEngine[Any] = DateTime(timezone=True)


def column(
    name: str, type_: Any, *constraints: SchemaItem, null: bool = False, **options: Any
) -> Column[Any]:
    """A column, NOT NULL unless ``null``."""
    return Column(name, type_, *constraints, nullable=null, **options)


def columns(type_: Any, *names: str, null: bool = False) -> list[Column[Any]]:
    """Columns of one type, side by side in this order."""
    return [column(name, type_, null=null) for name in names]


def serial(name: str = "id") -> Column[Any]:
    """An integer primary key the database numbers."""
    return Column(name, Integer, primary_key=True, autoincrement=True)


def moment(name: str, null: bool = False, **options: Any) -> Column[Any]:
    """A point in time, with its time zone."""
    return column(name, TS, null=null, **options)


def created_at() -> Column[Any]:
    """When the row was written."""
    return moment("created_at")


def status(default: str | None = None) -> Column[Any]:
    """Where the row stands in its lifecycle (the table says which words)."""
    return column("status", String(16), default=default)


def counters(*names: str) -> list[Column[Any]]:
    """Counts that start at 0, side by side in this order."""
    return [column(name, Integer, default=0) for name in names]


def subject_fk(null: bool = False, **options: Any) -> Column[Any]:
    """``subject_id``, a subject that must exist while the row does."""
    return column("subject_id", Integer, ForeignKey("subjects.id"), null=null, **options)


def subject_id(null: bool = False, **options: Any) -> Column[Any]:
    """``subject_id`` as a number only, without a foreign key."""
    return column("subject_id", Integer, null=null, **options)


def subject_index(table: str) -> Index:
    """The index that finds a table's rows by subject."""
    return Index(f"ix_{table}_subject", "subject_id")


def stamp(
    verb: str, *, null: bool = True, actor_length: int = 64, by_first: bool = False
) -> list[Column[Any]]:
    """When the row was ``verb``-ed and by whom: ``<verb>_at`` and ``<verb>_by`` (a principal
    id, or an actor's name where ``actor_length`` is longer), null until it is unless ``null``
    is off; ``by_first`` for the tables that put the actor first."""
    at = moment(f"{verb}_at", null=null)
    by = column(f"{verb}_by", String(actor_length), null=null)
    return [by, at] if by_first else [at, by]
