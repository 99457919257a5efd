"""ratings: real-time state, snapshots and the snapshot pointer

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "rating_state",
        sa.Column("rating_key", sa.String(length=80), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("band", sa.String(length=32), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("features", _json(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_rating_state_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("rating_key", "subject_id", name=op.f("pk_rating_state")),
    )
    op.create_table(
        "rating_snapshots",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("rating_key", sa.String(length=80), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("subjects", sa.Integer(), nullable=False),
        sa.Column("summary", _json(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_snapshots")),
    )
    op.create_index("ix_rating_snapshots_rating", "rating_snapshots", ["rating_key"])
    op.create_table(
        "rating_snapshot_results",
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("band", sa.String(length=32), nullable=False),
        sa.Column("total", sa.Float(), nullable=True),
        sa.Column("features", _json(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["rating_snapshots.id"],
            name=op.f("fk_rating_snapshot_results_snapshot_id_rating_snapshots"),
        ),
        sa.PrimaryKeyConstraint(
            "snapshot_id", "subject_id", name=op.f("pk_rating_snapshot_results")
        ),
    )
    op.create_index("ix_rating_snapshot_results_subject", "rating_snapshot_results", ["subject_id"])
    op.create_table(
        "rating_pointers",
        sa.Column("rating_key", sa.String(length=80), nullable=False),
        sa.Column("snapshot_id", sa.Integer(), nullable=False),
        sa.Column("switched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["rating_snapshots.id"],
            name=op.f("fk_rating_pointers_snapshot_id_rating_snapshots"),
        ),
        sa.PrimaryKeyConstraint("rating_key", name=op.f("pk_rating_pointers")),
    )


def downgrade() -> None:
    op.drop_table("rating_pointers")
    op.drop_index("ix_rating_snapshot_results_subject", "rating_snapshot_results")
    op.drop_table("rating_snapshot_results")
    op.drop_index("ix_rating_snapshots_rating", "rating_snapshots")
    op.drop_table("rating_snapshots")
    op.drop_table("rating_state")
