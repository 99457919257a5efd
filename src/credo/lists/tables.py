"""List entries: the materialised lifecycle of each subject's entries (proposed, notified,
effective, ended with a reason), kept current by the real-time hook for notices and the
public register. Decisions never read this table: they derive entries from records (G-16)."""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, String

from credo.db.columns import moment, status, subject_id, subject_index
from credo.db.metadata import JsonType, table

list_entries = table(
    "list_entries",
    Column("id", String(32), primary_key=True),
    Column("list_id", String(64), nullable=False),
    Column("list_version", Integer, nullable=False),
    subject_id(),
    Column("record_ids", JsonType, nullable=False),
    status(),  # proposed | notified | effective | ended
    Column("starts_on", Date, nullable=False),
    Column("effective_on", Date, nullable=False),
    Column("ends_on", Date, nullable=False),
    Column("ended_reason", String(32)),
    moment("proposed_at"),
    moment("notified_at", null=True),
    moment("updated_at"),
    subject_index("list_entries"),
    Index("ix_list_entries_list", "list_id", "status"),
)
