"""registry core: subjects, records, ingestion, access"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import (
    JSON,
    TS,
    column,
    columns,
    drop_indexed,
    index,
    pk,
    record_facts,
    serial,
    subject_fk,
    unique,
)

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "change_feed",
        serial("seq"),
        column("subject_id", sa.Integer()),
        column("kind", sa.String(length=32)),
        column("ref", sa.String(length=64), null=True),
        column("created_at", TS),
        pk("change_feed", "seq"),
    )
    index("change_feed", "ix_change_feed_subject", ["subject_id"])
    _ingest()
    _subjects_and_principals()
    _records()
    op.create_table(
        "review_items",
        serial(),
        column("queue", sa.String(length=32)),
        column("reason_code", sa.String(length=64)),
        column("detail", sa.Text()),
        column("subject_id", sa.Integer(), null=True),
        column("dedupe_key", sa.String(length=200), null=True),
        column("payload", JSON, null=True),
        column("status", sa.String(length=16)),
        column("created_at", TS),
        column("resolved_at", TS, null=True),
        column("resolved_by", sa.String(length=64), null=True),
        column("resolution", sa.Text(), null=True),
        subject_fk("review_items"),
        pk("review_items", "id"),
        unique("review_items", "dedupe_key"),
    )
    index("review_items", "ix_review_items_queue_status", ["queue", "status"])
    op.create_table(
        "subject_identifiers",
        column("scheme", sa.String(length=32)),
        column("value", sa.String(length=64)),
        column("subject_id", sa.Integer()),
        column("check_ok", sa.Boolean()),
        column("created_at", TS),
        subject_fk("subject_identifiers"),
        pk("subject_identifiers", "scheme", "value"),
    )
    index("subject_identifiers", "ix_subject_identifiers_subject_id", ["subject_id"], True)


def _ingest() -> None:
    op.create_table(
        "ingest_runs",
        serial(),
        column("source_key", sa.String(length=80)),
        column("source_name", sa.String(length=300)),
        column("mapping", sa.String(length=200), null=True),
        column("furnisher_id", sa.String(length=64)),
        column("started_at", TS),
        column("finished_at", TS, null=True),
        *columns(sa.Integer(), "rows_read", "accepted", "duplicate", "quarantined"),
        column("status", sa.String(length=16)),
        pk("ingest_runs", "id"),
    )
    index("ingest_runs", "ix_ingest_runs_source_key", ["source_key"], True)
    op.create_table(
        "quarantine",
        serial(),
        column("source_key", sa.String(length=80)),
        column("row_number", sa.Integer()),
        column("furnisher_id", sa.String(length=64)),
        column("reason_code", sa.String(length=64)),
        column("detail", sa.Text()),
        column("raw", JSON, null=True),
        column("created_at", TS),
        pk("quarantine", "id"),
        unique("quarantine", "source_key", "row_number"),
    )


def _subjects_and_principals() -> None:
    op.create_table(
        "subjects",
        serial(),
        column("kind", sa.String(length=16)),
        column("display_name", sa.String(length=200), null=True),
        column("birth_date", sa.Date(), null=True),
        column("created_at", TS),
        pk("subjects", "id"),
    )
    index("subjects", "ix_subjects_display_name", ["display_name"])
    op.create_table(
        "principals",
        column("id", sa.String(length=64)),
        column("role", sa.String(length=16)),
        column("display_name", sa.String(length=200)),
        column("furnisher_id", sa.String(length=64), null=True),
        column("relying_party_id", sa.String(length=64), null=True),
        column("subject_id", sa.Integer(), null=True),
        column("key_hash", sa.String(length=64)),
        column("key_prefix", sa.String(length=16)),
        column("created_at", TS),
        column("disabled_at", TS, null=True),
        subject_fk("principals"),
        pk("principals", "id"),
        unique("principals", "key_hash"),
    )


def _records() -> None:
    op.create_table(
        "record_current",
        column("chain_id", sa.String(length=32)),
        column("record_id", sa.String(length=32)),
        column("revision", sa.Integer()),
        column("state", sa.String(length=16)),
        *record_facts(),
        column("performed_on", sa.Date(), null=True),
        column("finality", sa.String(length=16)),
        column("payload", JSON),
        column("first_received_at", TS),
        column("updated_at", TS),
        subject_fk("record_current"),
        pk("record_current", "chain_id"),
    )
    index("record_current", "ix_record_current_subject", ["subject_id"])
    index("record_current", "ix_record_current_type", ["record_type"])
    op.create_table(
        "record_statements",
        column("record_id", sa.String(length=32)),
        column("chain_id", sa.String(length=32)),
        column("revision", sa.Integer()),
        column("action", sa.String(length=16)),
        *record_facts(),
        column("finality", sa.String(length=16)),
        column("payload", JSON),
        *columns(JSON, "evidence", "provenance", null=True),
        column("content_hash", sa.String(length=32)),
        column("received_at", TS),
        subject_fk("record_statements"),
        pk("record_statements", "record_id"),
        unique("record_statements", "chain_id", "revision"),
    )
    index("record_statements", "ix_record_statements_subject", ["subject_id"])
    op.create_table(
        "record_suppressions",
        serial(),
        column("chain_id", sa.String(length=32)),
        column("subject_id", sa.Integer()),
        column("reason", sa.String(length=32)),
        column("ref", sa.String(length=64), null=True),
        column("opened_at", TS),
        column("closed_at", TS, null=True),
        subject_fk("record_suppressions"),
        pk("record_suppressions", "id"),
    )
    index("record_suppressions", "ix_record_suppressions_chain_id", ["chain_id"], True)


def downgrade() -> None:
    drop_indexed("subject_identifiers", "ix_subject_identifiers_subject_id")
    drop_indexed("review_items", "ix_review_items_queue_status")
    drop_indexed("record_suppressions", "ix_record_suppressions_chain_id")
    drop_indexed("record_statements", "ix_record_statements_subject")
    drop_indexed("record_current", "ix_record_current_type", "ix_record_current_subject")
    op.drop_table("principals")
    drop_indexed("subjects", "ix_subjects_display_name")
    op.drop_table("quarantine")
    drop_indexed("ingest_runs", "ix_ingest_runs_source_key")
    drop_indexed("change_feed", "ix_change_feed_subject")
