"""Inquiries (one per check, committed before the decision leaves, G-24), subscriptions and
their webhook outbox."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Index, Integer, String, Table, UniqueConstraint

from credo.db.metadata import JsonType, metadata

inquiries = Table(
    "inquiries",
    metadata,
    Column("id", String(32), primary_key=True),  # the decision id returned to the caller
    Column("at", DateTime(timezone=True), nullable=False),
    Column("relying_party_id", String(64), nullable=False),
    Column("principal_id", String(64), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("transaction_ref", String(120), nullable=False),
    Column("subject_id", Integer),
    Column("subject_key", String(100), nullable=False),  # scheme:value as asked
    Column("outcome", String(16), nullable=False),
    Column("measures", JsonType, nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("as_of", Date),  # the past date a check asked about; null: the day it was made
    Index("ix_inquiries_subject", "subject_id"),
    Index("ix_inquiries_subject_key", "subject_key"),
)

subscriptions = Table(
    "subscriptions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("relying_party_id", String(64), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("subject_key", String(100), nullable=False),  # the identifier subscribed with
    Column("callback_url", String(500), nullable=False),
    Column("secret", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("cancelled_at", DateTime(timezone=True)),
    UniqueConstraint("relying_party_id", "purpose", "subject_id"),
    Index("ix_subscriptions_subject", "subject_id"),
)

# The webhook outbox: written in the same transaction as the change that causes it.
check_events = Table(
    "check_events",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(32), nullable=False, unique=True),
    Column("subscription_id", Integer, nullable=False),
    Column("subject_id", Integer, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("payload", JsonType, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delivered_at", DateTime(timezone=True)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", String(300)),
    Index("ix_check_events_subscription", "subscription_id", "seq"),
    Index("ix_check_events_pending", "delivered_at", "next_attempt_at"),
)

# G-37: a decision that applies a significant adverse measure is advisory until a named person
# of the relying party confirms or overrides it. One row per advisory decision, opened in the
# same transaction as its inquiry (``id`` is the decision id); the review fills the rest.
decision_reviews = Table(
    "decision_reviews",
    metadata,
    Column("id", String(32), primary_key=True),  # the decision id
    Column("relying_party_id", String(64), nullable=False),
    Column("subject_id", Integer),
    Column("purpose", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # the decision's (advised) outcome
    Column("measures", JsonType, nullable=False),  # the significant measures applied
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("valid_until", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # pending | confirmed | overridden
    Column("reviewer", String(120)),  # the named person who decided
    Column("reasons", String(4000)),
    Column("reviewed_at", DateTime(timezone=True)),
    Column("reviewed_by", String(64)),  # the principal (API key or portal sign-in) used
    Index("ix_decision_reviews_party_status", "relying_party_id", "status"),
    Index("ix_decision_reviews_subject", "subject_id"),
)
