"""Subjects, their identifiers and the identity review queue."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from credo.db.metadata import JsonType, metadata

subjects = Table(
    "subjects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("display_name", String(200)),
    Column("birth_date", Date),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_subjects_display_name", "display_name"),
    Index("ix_subjects_kind", "kind"),  # the console's subjects by kind
)

subject_identifiers = Table(
    "subject_identifiers",
    metadata,
    Column("scheme", String(32), primary_key=True),
    Column("value", String(64), primary_key=True),
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=False, index=True),
    Column("check_ok", Boolean, nullable=False, default=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

review_items = Table(
    "review_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("queue", String(32), nullable=False),
    Column("reason_code", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("subject_id", Integer, ForeignKey("subjects.id")),
    Column("dedupe_key", String(200), unique=True),
    Column("payload", JsonType),
    Column("status", String(16), nullable=False, default="open"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("resolved_at", DateTime(timezone=True)),
    Column("resolved_by", String(64)),
    Column("resolution", Text),
    Index("ix_review_items_queue_status", "queue", "status"),
)
