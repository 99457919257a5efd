"""The notice outbox: every notice is stored first and delivered by a channel later."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from credo.db.metadata import JsonType, metadata

notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # recipient_kind: subject, furnisher, relying_party or operator
    Column("recipient_kind", String(16), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    Column("subject_id", Integer),
    Column("kind", String(48), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("payload", JsonType),
    Column("dedupe_key", String(200), unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("due_by", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("channel", String(16)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Index("ix_notices_unsent", "sent_at", "id"),
    Index("ix_notices_subject", "subject_id"),
)

# Where a recipient receives notices (an e-mail address for the SMTP channel).
notice_contacts = Table(
    "notice_contacts",
    metadata,
    Column("recipient_kind", String(16), primary_key=True),
    Column("recipient_id", String(64), primary_key=True),
    Column("email", String(254), nullable=False),
)

# The language (and time zone, where given) a subject is written to in (credo.notices.reader);
# without a row, the registry's (registry.language, registry.time_zone).
subject_preferences = Table(
    "subject_preferences",
    metadata,
    Column("subject_id", Integer, ForeignKey("subjects.id"), primary_key=True),
    Column("language", String(16), nullable=False),
    Column("time_zone", String(64)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)
