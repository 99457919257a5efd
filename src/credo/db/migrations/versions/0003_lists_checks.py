"""lists and checks: list entries, inquiries, subscriptions, webhook outbox

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "list_entries",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("list_id", sa.String(64), nullable=False),
        sa.Column("list_version", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("record_ids", JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("ended_reason", sa.String(32), nullable=True),
        sa.Column("proposed_at", TS, nullable=False),
        sa.Column("notified_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_list_entries")),
    )
    op.create_index("ix_list_entries_subject", "list_entries", ["subject_id"])
    op.create_index("ix_list_entries_list", "list_entries", ["list_id", "status"])
    op.create_table(
        "inquiries",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("relying_party_id", sa.String(64), nullable=False),
        sa.Column("principal_id", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("transaction_ref", sa.String(120), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("subject_key", sa.String(100), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("measures", JSON, nullable=False),
        sa.Column("valid_until", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inquiries")),
    )
    op.create_index("ix_inquiries_subject", "inquiries", ["subject_id"])
    op.create_index("ix_inquiries_subject_key", "inquiries", ["subject_key"])
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("relying_party_id", sa.String(64), nullable=False),
        sa.Column("purpose", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("subject_key", sa.String(100), nullable=False),
        sa.Column("callback_url", sa.String(500), nullable=False),
        sa.Column("secret", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("cancelled_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint(
            "relying_party_id",
            "purpose",
            "subject_id",
            name=op.f("uq_subscriptions_relying_party_id_purpose_subject_id"),
        ),
    )
    op.create_index("ix_subscriptions_subject", "subscriptions", ["subject_id"])
    op.create_table(
        "check_events",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("delivered_at", TS, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_check_events")),
        sa.UniqueConstraint("event_id", name=op.f("uq_check_events_event_id")),
    )
    op.create_index("ix_check_events_subscription", "check_events", ["subscription_id", "seq"])
    op.create_index("ix_check_events_pending", "check_events", ["delivered_at", "next_attempt_at"])


def downgrade() -> None:
    for table in ("check_events", "subscriptions", "inquiries", "list_entries"):
        op.drop_table(table)
