"""due process and audit: disputes, identity claims, subject statements, repair applications,
record expiry marks, the notice outbox, the hash-chained audit log, catalogue-change approvals"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import (
    JSON,
    TS,
    column,
    columns,
    index,
    pk,
    serial,
    subject_fk,
    unique,
)

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    _audit()
    _notices()
    _disputes()
    _repairs_and_expiries()


def _audit() -> None:
    op.create_table(
        "audit_log",
        column("seq", sa.BigInteger(), autoincrement=False),
        column("at", sa.String(length=40)),
        column("actor", sa.String(length=120)),
        column("action", sa.String(length=64)),
        column("subject_id", sa.Integer(), null=True),
        column("payload", sa.Text()),
        *columns(sa.String(length=64), "prev_hash", "hash"),
        pk("audit_log", "seq"),
    )
    index("audit_log", "ix_audit_log_subject", ["subject_id"])
    op.create_table(
        "audit_head",
        column("id", sa.Integer(), autoincrement=False),
        column("seq", sa.BigInteger()),
        column("hash", sa.String(length=64)),
        pk("audit_head", "id"),
    )
    op.create_table(
        "catalogue_changes",
        serial(),
        column("title", sa.String(length=200)),
        column("change", JSON),
        column("impact_assessment_ref", sa.String(length=64)),
        column("status", sa.String(length=16)),
        column("proposed_by", sa.String(length=64)),
        column("proposed_at", TS),
        column("decided_by", sa.String(length=64), null=True),
        column("decided_at", TS, null=True),
        column("reasons", sa.Text(), null=True),
        pk("catalogue_changes", "id"),
    )


def _notices() -> None:
    op.create_table(
        "notices",
        serial(),
        column("recipient_kind", sa.String(length=16)),
        column("recipient_id", sa.String(length=64)),
        column("subject_id", sa.Integer(), null=True),
        column("kind", sa.String(length=48)),
        column("title", sa.String(length=300)),
        column("body", sa.Text()),
        column("payload", JSON, null=True),
        column("dedupe_key", sa.String(length=200), null=True),
        column("created_at", TS),
        *columns(TS, "due_by", "sent_at", null=True),
        column("channel", sa.String(length=16), null=True),
        column("attempts", sa.Integer()),
        column("last_error", sa.Text(), null=True),
        pk("notices", "id"),
        unique("notices", "dedupe_key"),
    )
    index("notices", "ix_notices_subject", ["subject_id"])
    index("notices", "ix_notices_unsent", ["sent_at", "id"])
    op.create_table(
        "notice_contacts",
        column("recipient_kind", sa.String(length=16)),
        column("recipient_id", sa.String(length=64)),
        column("email", sa.String(length=254)),
        pk("notice_contacts", "recipient_kind", "recipient_id"),
    )


def _disputes() -> None:
    op.create_table(
        "disputes",
        serial(),
        column("kind", sa.String(length=16)),
        column("subject_id", sa.Integer()),
        *columns(sa.String(length=32), "chain_id", "record_id"),
        column("furnisher_id", sa.String(length=64)),
        column("category", sa.String(length=24)),
        column("grounds", sa.Text()),
        column("evidence", JSON, null=True),
        column("status", sa.String(length=16)),
        *columns(TS, "opened_at", "deadline_at"),
        column("extended", sa.Boolean()),
        column("resolved_at", TS, null=True),
        column("resolved_by", sa.String(length=64), null=True),
        column("reasons", sa.Text(), null=True),
        subject_fk("disputes"),
        pk("disputes", "id"),
    )
    index("disputes", "ix_disputes_chain", ["chain_id"])
    index("disputes", "ix_disputes_open", ["status", "deadline_at"])
    index("disputes", "ix_disputes_subject", ["subject_id"])
    op.create_table(
        "subject_statements",
        serial(),
        column("subject_id", sa.Integer()),
        column("chain_id", sa.String(length=32)),
        column("text", sa.Text()),
        column("created_at", TS),
        subject_fk("subject_statements"),
        pk("subject_statements", "id"),
    )
    index("subject_statements", "ix_subject_statements_chain_id", ["chain_id"], True)


def _repairs_and_expiries() -> None:
    op.create_table(
        "repair_applications",
        serial(),
        column("subject_id", sa.Integer()),
        column("target_kind", sa.String(length=16)),
        column("target_ref", sa.String(length=64)),
        column("condition", sa.Text()),
        column("proof", JSON),
        column("status", sa.String(length=16)),
        *columns(TS, "applied_at", "deadline_at"),
        *columns(TS, "overdue_flagged_at", "decided_at", null=True),
        column("decided_by", sa.String(length=64), null=True),
        column("reasons", sa.Text(), null=True),
        subject_fk("repair_applications"),
        pk("repair_applications", "id"),
    )
    index("repair_applications", "ix_repair_applications_subject_id", ["subject_id"], True)
    op.create_table(
        "record_expiries",
        column("chain_id", sa.String(length=32)),
        column("kind", sa.String(length=16)),
        column("on", sa.Date()),
        column("processed_at", TS),
        pk("record_expiries", "chain_id", "kind"),
    )


def downgrade() -> None:
    for table in (
        "record_expiries",
        "repair_applications",
        "subject_statements",
        "disputes",
        "notice_contacts",
        "notices",
        "catalogue_changes",
        "audit_head",
        "audit_log",
    ):
        op.drop_table(table)
