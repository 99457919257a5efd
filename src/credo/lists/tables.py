"""List entries: the materialised lifecycle of each subject's entries (proposed, notified,
effective, ended with a reason), kept current by the real-time hook for notices and the
public register. Decisions never read this table: they derive entries from records (G-16)."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, Integer, String, Table

from credo.db.metadata import JsonType, metadata

list_entries = Table(
    "list_entries",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("list_id", String(64), nullable=False),
    Column("list_version", Integer, nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("record_ids", JsonType, nullable=False),
    Column("status", String(16), nullable=False),  # proposed | notified | effective | ended
    Column("starts_on", Date, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("ended_reason", String(32)),
    Column("proposed_at", DateTime(timezone=True), nullable=False),
    Column("notified_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_list_entries_subject", "subject_id"),
    Index("ix_list_entries_list", "list_id", "status"),
)
