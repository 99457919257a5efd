"""Append-only record statements, the derived current view, suppressions, the change feed,
the subjects' statements about records and the expiry marks of the scheduled job."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Date, Index, Integer, String, Text, UniqueConstraint

from credo.db.columns import (
    TS,
    column,
    columns,
    created_at,
    moment,
    serial,
    subject_fk,
    subject_id,
    subject_index,
)
from credo.db.metadata import JsonType, table


def _facts() -> list[Column[Any]]:
    """What a furnisher said a record is, in the statements and the current view alike: who
    furnished it under which reference, its type and subject, and its dates."""
    return [
        column("furnisher_id", String(64)),
        column("source_ref", String(200)),
        column("record_type", String(64)),
        subject_fk(),
        *columns(Date, "occurred_on", "effective_from", "effect_until", "expires_on"),
    ]


def _term() -> list[Column[Any]]:
    """The decision's finality and term (credo.records.effect): an end date, or open-ended
    until an event; when it is reviewed; the ceiling's end from the start or confirmation of
    the statement that set it (assert, correct, confirm)."""
    return [
        column("finality", String(16)),
        column("term_ends_on", Date, null=True),
        column("term_until", String(32), null=True),
        *columns(Date, "review_on", "ceiling_until", null=True),
    ]


# Every statement ever accepted. Never updated, never deleted.
record_statements = table(
    "record_statements",
    Column("record_id", String(32), primary_key=True),
    Column("chain_id", String(32), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("action", String(16), nullable=False),
    *_facts(),
    *_term(),
    # effect_until and end_reason: the chain's effect as folded after this statement, so the
    # statements received by a moment say what was known then.
    Column("end_reason", String(32)),
    Column("payload", JsonType, nullable=False),
    *columns(JsonType, "evidence", "provenance", null=True),
    Column("content_hash", String(32), nullable=False),
    moment("received_at"),
    UniqueConstraint("chain_id", "revision"),
    subject_index("record_statements"),
)

# The current view: the latest revision of each chain. Derived; rebuildable from statements.
record_current = table(
    "record_current",
    Column("chain_id", String(32), primary_key=True),
    Column("record_id", String(32), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("state", String(16), nullable=False),  # active | revoked | performed | delisted
    *_facts(),
    Column("performed_on", Date),
    *_term(),
    # ended_on: performed or delisted on
    *columns(Date, "confirmed_on", "ended_on", null=True),
    Column("end_reason", String(32)),  # why the effect ends at effect_until (effect.END_REASONS)
    Column("payload", JsonType, nullable=False),
    *columns(TS, "first_received_at", "updated_at"),
    Index("ix_record_current_subject_type", "subject_id", "record_type"),
    Index("ix_record_current_type", "record_type"),
)

# While a suppression is open the record has no effect (disputes G-26, "not me" G-20,
# unverified after a missed deadline G-27, deleted G-31).
record_suppressions = table(
    "record_suppressions",
    serial(),
    Column("chain_id", String(32), nullable=False, index=True),
    subject_fk(),
    Column("reason", String(32), nullable=False),
    Column("ref", String(64)),
    moment("opened_at"),
    moment("closed_at", null=True),
)

# The outbox: one row per change that may move a subject's state, in commit order.
change_feed = table(
    "change_feed",
    serial("seq"),
    subject_id(),
    Column("kind", String(32), nullable=False),
    Column("ref", String(64)),
    created_at(),
    subject_index("change_feed"),
)

# A statement by the subject that travels with the record (G-32).
subject_statements = table(
    "subject_statements",
    serial(),
    subject_fk(),
    Column("chain_id", String(32), nullable=False, index=True),
    Column("text", Text, nullable=False),
    created_at(),
)

# Which chains the scheduled job has already processed at their effect end / retention end,
# so a rerun does nothing twice (the query-time filter already stops their effect).
record_expiries = table(
    "record_expiries",
    Column("chain_id", String(32), primary_key=True),
    Column("kind", String(16), primary_key=True),  # effect_end | retention_end
    Column("on", Date, nullable=False),
    moment("processed_at"),
)
