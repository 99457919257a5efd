"""The notice outbox: every notice is stored first and delivered by a channel later."""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Text

from credo.db.columns import (
    counters,
    created_at,
    moment,
    serial,
    subject_fk,
    subject_id,
    subject_index,
)
from credo.db.metadata import JsonType, table

notices = table(
    "notices",
    serial(),
    # recipient_kind: subject, furnisher, relying_party or operator
    Column("recipient_kind", String(16), nullable=False),
    Column("recipient_id", String(64), nullable=False),
    subject_id(null=True),
    Column("kind", String(48), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("payload", JsonType),
    Column("dedupe_key", String(200), unique=True),
    created_at(),
    moment("due_by", null=True),
    moment("sent_at", null=True),
    Column("channel", String(16)),
    *counters("attempts"),
    Column("last_error", Text),
    Index("ix_notices_unsent", "sent_at", "id"),
    subject_index("notices"),
)

# Where a recipient receives notices (an e-mail address for the SMTP channel).
notice_contacts = table(
    "notice_contacts",
    Column("recipient_kind", String(16), primary_key=True),
    Column("recipient_id", String(64), primary_key=True),
    Column("email", String(254), nullable=False),
)

# The language (and time zone, where given) a subject is written to in (credo.notices.reader);
# without a row, the registry's (registry.language, registry.time_zone).
subject_preferences = table(
    "subject_preferences",
    subject_fk(primary_key=True),
    Column("language", String(16), nullable=False),
    Column("time_zone", String(64)),
    moment("updated_at"),
)
