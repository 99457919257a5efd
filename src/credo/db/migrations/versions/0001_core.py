"""registry core: subjects, records, ingestion, access

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "change_feed",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_change_feed")),
    )
    with op.batch_alter_table("change_feed", schema=None) as batch_op:
        batch_op.create_index("ix_change_feed_subject", ["subject_id"], unique=False)

    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("mapping", sa.String(length=200), nullable=True),
        sa.Column("furnisher_id", sa.String(length=64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("duplicate", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_runs")),
    )
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ingest_runs_source_key"), ["source_key"], unique=False)

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("furnisher_id", sa.String(length=64), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column(
            "raw",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
        sa.UniqueConstraint(
            "source_key", "row_number", name=op.f("uq_quarantine_source_key_row_number")
        ),
    )
    op.create_table(
        "subjects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subjects")),
    )
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.create_index("ix_subjects_display_name", ["display_name"], unique=False)

    op.create_table(
        "principals",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("furnisher_id", sa.String(length=64), nullable=True),
        sa.Column("relying_party_id", sa.String(length=64), nullable=True),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("key_prefix", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_principals_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_principals")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_principals_key_hash")),
    )
    op.create_table(
        "record_current",
        sa.Column("chain_id", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("furnisher_id", sa.String(length=64), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effect_until", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("performed_on", sa.Date(), nullable=True),
        sa.Column("finality", sa.String(length=16), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("first_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_record_current_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("chain_id", name=op.f("pk_record_current")),
    )
    with op.batch_alter_table("record_current", schema=None) as batch_op:
        batch_op.create_index("ix_record_current_subject", ["subject_id"], unique=False)
        batch_op.create_index("ix_record_current_type", ["record_type"], unique=False)

    op.create_table(
        "record_statements",
        sa.Column("record_id", sa.String(length=32), nullable=False),
        sa.Column("chain_id", sa.String(length=32), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("furnisher_id", sa.String(length=64), nullable=False),
        sa.Column("source_ref", sa.String(length=200), nullable=False),
        sa.Column("record_type", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("effect_until", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("finality", sa.String(length=16), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "provenance",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("content_hash", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_record_statements_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("record_id", name=op.f("pk_record_statements")),
        sa.UniqueConstraint(
            "chain_id", "revision", name=op.f("uq_record_statements_chain_id_revision")
        ),
    )
    with op.batch_alter_table("record_statements", schema=None) as batch_op:
        batch_op.create_index("ix_record_statements_subject", ["subject_id"], unique=False)

    op.create_table(
        "record_suppressions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("chain_id", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_record_suppressions_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_suppressions")),
    )
    with op.batch_alter_table("record_suppressions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_record_suppressions_chain_id"), ["chain_id"], unique=False
        )

    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("queue", sa.String(length=32), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sa.String(length=64), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_review_items_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_review_items_dedupe_key")),
    )
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.create_index("ix_review_items_queue_status", ["queue", "status"], unique=False)

    op.create_table(
        "subject_identifiers",
        sa.Column("scheme", sa.String(length=32), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("check_ok", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_subject_identifiers_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("scheme", "value", name=op.f("pk_subject_identifiers")),
    )
    with op.batch_alter_table("subject_identifiers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_subject_identifiers_subject_id"), ["subject_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("subject_identifiers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_subject_identifiers_subject_id"))

    op.drop_table("subject_identifiers")
    with op.batch_alter_table("review_items", schema=None) as batch_op:
        batch_op.drop_index("ix_review_items_queue_status")

    op.drop_table("review_items")
    with op.batch_alter_table("record_suppressions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_record_suppressions_chain_id"))

    op.drop_table("record_suppressions")
    with op.batch_alter_table("record_statements", schema=None) as batch_op:
        batch_op.drop_index("ix_record_statements_subject")

    op.drop_table("record_statements")
    with op.batch_alter_table("record_current", schema=None) as batch_op:
        batch_op.drop_index("ix_record_current_type")
        batch_op.drop_index("ix_record_current_subject")

    op.drop_table("record_current")
    op.drop_table("principals")
    with op.batch_alter_table("subjects", schema=None) as batch_op:
        batch_op.drop_index("ix_subjects_display_name")

    op.drop_table("subjects")
    op.drop_table("quarantine")
    with op.batch_alter_table("ingest_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ingest_runs_source_key"))

    op.drop_table("ingest_runs")
    with op.batch_alter_table("change_feed", schema=None) as batch_op:
        batch_op.drop_index("ix_change_feed_subject")

    op.drop_table("change_feed")
