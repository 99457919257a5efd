"""Append-only record statements, the derived current view, suppressions, the change feed,
the subjects' statements about records and the expiry marks of the scheduled job."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from credo.db.metadata import JsonType, metadata

# Every statement ever accepted. Never updated, never deleted.
record_statements = Table(
    "record_statements",
    metadata,
    Column("record_id", String(32), primary_key=True),
    Column("chain_id", String(32), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    Column("furnisher_id", String(64), nullable=False),
    Column("source_ref", String(200), nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effect_until", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("finality", String(16), nullable=False),
    # The decision's term (credo.records.effect): an end date, or open-ended until an event.
    Column("term_ends_on", Date),
    Column("term_until", String(32)),
    Column("review_on", Date),
    # The ceiling's end from this statement's start or confirmation (assert, correct, confirm).
    Column("ceiling_until", Date),
    # effect_until and end_reason: the chain's effect as folded after this statement, so the
    # statements received by a moment say what was known then.
    Column("end_reason", String(32)),
    Column("payload", JsonType, nullable=False),
    Column("evidence", JsonType),
    Column("provenance", JsonType),
    Column("content_hash", String(32), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("chain_id", "revision"),
    Index("ix_record_statements_subject", "subject_id"),
)

# The current view: the latest revision of each chain. Derived; rebuildable from statements.
record_current = Table(
    "record_current",
    metadata,
    Column("chain_id", String(32), primary_key=True),
    Column("record_id", String(32), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # active | revoked | performed | delisted
    Column("furnisher_id", String(64), nullable=False),
    Column("source_ref", String(200), nullable=False),
    Column("record_type", String(64), nullable=False),
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("effect_until", Date, nullable=False),
    Column("expires_on", Date, nullable=False),
    Column("performed_on", Date),
    Column("finality", String(16), nullable=False),
    Column("term_ends_on", Date),
    Column("term_until", String(32)),
    Column("review_on", Date),
    Column("ceiling_until", Date),
    Column("confirmed_on", Date),
    Column("ended_on", Date),  # performed or delisted on
    Column("end_reason", String(32)),  # why the effect ends at effect_until (effect.END_REASONS)
    Column("payload", JsonType, nullable=False),
    Column("first_received_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_record_current_subject_type", "subject_id", "record_type"),
    Index("ix_record_current_type", "record_type"),
)

# While a suppression is open the record has no effect (disputes G-26, "not me" G-20,
# unverified after a missed deadline G-27, deleted G-31).
record_suppressions = Table(
    "record_suppressions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("chain_id", String(32), nullable=False, index=True),
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=False),
    Column("reason", String(32), nullable=False),
    Column("ref", String(64)),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
)

# The outbox: one row per change that may move a subject's state, in commit order.
change_feed = Table(
    "change_feed",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("subject_id", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("ref", String(64)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_change_feed_subject", "subject_id"),
)

# A statement by the subject that travels with the record (G-32).
subject_statements = Table(
    "subject_statements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=False),
    Column("chain_id", String(32), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

# Which chains the scheduled job has already processed at their effect end / retention end,
# so a rerun does nothing twice (the query-time filter already stops their effect).
record_expiries = Table(
    "record_expiries",
    metadata,
    Column("chain_id", String(32), primary_key=True),
    Column("kind", String(16), primary_key=True),  # effect_end | retention_end
    Column("on", Date, nullable=False),
    Column("processed_at", DateTime(timezone=True), nullable=False),
)
