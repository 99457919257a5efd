"""Subjects, their identifiers and the identity review queue."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Index, String, Text

from credo.db.columns import created_at, serial, stamp, status, subject_fk
from credo.db.metadata import JsonType, table

subjects = table(
    "subjects",
    serial(),
    Column("kind", String(16), nullable=False),
    Column("display_name", String(200)),
    Column("birth_date", Date),
    created_at(),
    Index("ix_subjects_display_name", "display_name"),
    Index("ix_subjects_kind", "kind"),  # the console's subjects by kind
)

subject_identifiers = table(
    "subject_identifiers",
    Column("scheme", String(32), primary_key=True),
    Column("value", String(64), primary_key=True),
    subject_fk(index=True),
    Column("check_ok", Boolean, nullable=False, default=True),
    created_at(),
)

review_items = table(
    "review_items",
    serial(),
    Column("queue", String(32), nullable=False),
    Column("reason_code", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    subject_fk(null=True),
    Column("dedupe_key", String(200), unique=True),
    Column("payload", JsonType),
    status(default="open"),
    created_at(),
    *stamp("resolved"),
    Column("resolution", Text),
    Index("ix_review_items_queue_status", "queue", "status"),
)
