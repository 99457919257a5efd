"""Inquiries (one per check, committed before the decision leaves, G-24), subscriptions and
their webhook outbox."""

from __future__ import annotations

from sqlalchemy import Column, Date, Index, Integer, String, UniqueConstraint

from credo.db.columns import (
    counters,
    created_at,
    moment,
    serial,
    stamp,
    status,
    subject_id,
    subject_index,
)
from credo.db.metadata import JsonType, table

inquiries = table(
    "inquiries",
    Column("id", String(32), primary_key=True),  # the decision id returned to the caller
    moment("at"),
    Column("relying_party_id", String(64), nullable=False),
    Column("principal_id", String(64), nullable=False),
    Column("purpose", String(64), nullable=False),
    Column("transaction_ref", String(120), nullable=False),
    subject_id(null=True),
    Column("subject_key", String(100), nullable=False),  # scheme:value as asked
    Column("outcome", String(16), nullable=False),
    Column("measures", JsonType, nullable=False),
    moment("valid_until"),
    Column("as_of", Date),  # the past date a check asked about; null: the day it was made
    subject_index("inquiries"),
    Index("ix_inquiries_subject_key", "subject_key"),
)

subscriptions = table(
    "subscriptions",
    serial(),
    Column("relying_party_id", String(64), nullable=False),
    Column("purpose", String(64), nullable=False),
    subject_id(),
    Column("subject_key", String(100), nullable=False),  # the identifier subscribed with
    Column("callback_url", String(500), nullable=False),
    Column("secret", String(64), nullable=False),
    created_at(),
    moment("cancelled_at", null=True),
    UniqueConstraint("relying_party_id", "purpose", "subject_id"),
    subject_index("subscriptions"),
)

# The webhook outbox: written in the same transaction as the change that causes it.
check_events = table(
    "check_events",
    serial("seq"),
    Column("event_id", String(32), nullable=False, unique=True),
    Column("subscription_id", Integer, nullable=False),
    subject_id(),
    Column("kind", String(32), nullable=False),
    Column("payload", JsonType, nullable=False),
    created_at(),
    moment("delivered_at", null=True),
    *counters("attempts"),
    moment("next_attempt_at"),
    Column("last_error", String(300)),
    Index("ix_check_events_subscription", "subscription_id", "seq"),
    Index("ix_check_events_pending", "delivered_at", "next_attempt_at"),
)

# G-37: a decision that applies a significant adverse measure is advisory until a named person
# of the relying party confirms or overrides it. One row per advisory decision, opened in the
# same transaction as its inquiry (``id`` is the decision id); the review fills the rest.
decision_reviews = table(
    "decision_reviews",
    Column("id", String(32), primary_key=True),  # the decision id
    Column("relying_party_id", String(64), nullable=False),
    subject_id(null=True),
    Column("purpose", String(64), nullable=False),
    Column("outcome", String(16), nullable=False),  # the decision's (advised) outcome
    Column("measures", JsonType, nullable=False),  # the significant measures applied
    moment("opened_at"),
    moment("valid_until"),
    status(),  # pending | confirmed | overridden
    Column("reviewer", String(120)),  # the named person who decided
    Column("reasons", String(4000)),
    # reviewed_by: the principal (API key or portal sign-in) used
    *stamp("reviewed"),
    Index("ix_decision_reviews_party_status", "relying_party_id", "status"),
    subject_index("decision_reviews"),
)
