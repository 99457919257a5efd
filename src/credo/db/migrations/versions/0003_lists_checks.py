"""lists and checks: list entries, inquiries, subscriptions, webhook outbox"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import JSON, TS, column, columns, pk, serial, unique

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "list_entries",
        column("id", sa.String(32)),
        column("list_id", sa.String(64)),
        column("list_version", sa.Integer()),
        column("subject_id", sa.Integer()),
        column("record_ids", JSON),
        column("status", sa.String(16)),
        *columns(sa.Date(), "starts_on", "effective_on", "ends_on"),
        column("ended_reason", sa.String(32), null=True),
        column("proposed_at", TS),
        column("notified_at", TS, null=True),
        column("updated_at", TS),
        pk("list_entries", "id"),
    )
    op.create_index("ix_list_entries_subject", "list_entries", ["subject_id"])
    op.create_index("ix_list_entries_list", "list_entries", ["list_id", "status"])
    op.create_table(
        "inquiries",
        column("id", sa.String(32)),
        column("at", TS),
        *columns(sa.String(64), "relying_party_id", "principal_id", "purpose"),
        column("transaction_ref", sa.String(120)),
        column("subject_id", sa.Integer(), null=True),
        column("subject_key", sa.String(100)),
        column("outcome", sa.String(16)),
        column("measures", JSON),
        column("valid_until", TS),
        pk("inquiries", "id"),
    )
    op.create_index("ix_inquiries_subject", "inquiries", ["subject_id"])
    op.create_index("ix_inquiries_subject_key", "inquiries", ["subject_key"])
    op.create_table(
        "subscriptions",
        serial(),
        *columns(sa.String(64), "relying_party_id", "purpose"),
        column("subject_id", sa.Integer()),
        column("subject_key", sa.String(100)),
        column("callback_url", sa.String(500)),
        column("secret", sa.String(64)),
        column("created_at", TS),
        column("cancelled_at", TS, null=True),
        pk("subscriptions", "id"),
        unique("subscriptions", "relying_party_id", "purpose", "subject_id"),
    )
    op.create_index("ix_subscriptions_subject", "subscriptions", ["subject_id"])
    op.create_table(
        "check_events",
        serial("seq"),
        column("event_id", sa.String(32)),
        *columns(sa.Integer(), "subscription_id", "subject_id"),
        column("kind", sa.String(32)),
        column("payload", JSON),
        column("created_at", TS),
        column("delivered_at", TS, null=True),
        column("attempts", sa.Integer()),
        column("next_attempt_at", TS),
        column("last_error", sa.String(300), null=True),
        pk("check_events", "seq"),
        unique("check_events", "event_id"),
    )
    op.create_index("ix_check_events_subscription", "check_events", ["subscription_id", "seq"])
    op.create_index("ix_check_events_pending", "check_events", ["delivered_at", "next_attempt_at"])


def downgrade() -> None:
    for table in ("check_events", "subscriptions", "inquiries", "list_entries"):
        op.drop_table(table)
