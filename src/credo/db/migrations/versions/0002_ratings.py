"""ratings: real-time state, snapshots and the snapshot pointer"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import JSON, TS, column, columns, fk, pk, serial, subject_fk

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    op.create_table(
        "rating_state",
        column("rating_key", sa.String(length=80)),
        column("subject_id", sa.Integer()),
        column("as_of", sa.Date()),
        column("band", sa.String(length=32)),
        column("total", sa.Float(), null=True),
        column("features", JSON),
        column("evaluated_at", TS),
        subject_fk("rating_state"),
        pk("rating_state", "rating_key", "subject_id"),
    )
    op.create_table(
        "rating_snapshots",
        serial(),
        column("rating_key", sa.String(length=80)),
        column("as_of", sa.Date()),
        *columns(sa.String(length=16), "engine", "status"),
        column("subjects", sa.Integer()),
        column("summary", JSON),
        column("created_at", TS),
        pk("rating_snapshots", "id"),
    )
    op.create_index("ix_rating_snapshots_rating", "rating_snapshots", ["rating_key"])
    op.create_table(
        "rating_snapshot_results",
        *columns(sa.Integer(), "snapshot_id", "subject_id"),
        column("band", sa.String(length=32)),
        column("total", sa.Float(), null=True),
        column("features", JSON),
        fk("rating_snapshot_results", "snapshot_id", "rating_snapshots.id"),
        pk("rating_snapshot_results", "snapshot_id", "subject_id"),
    )
    op.create_index("ix_rating_snapshot_results_subject", "rating_snapshot_results", ["subject_id"])
    op.create_table(
        "rating_pointers",
        column("rating_key", sa.String(length=80)),
        column("snapshot_id", sa.Integer()),
        column("switched_at", TS),
        fk("rating_pointers", "snapshot_id", "rating_snapshots.id"),
        pk("rating_pointers", "rating_key"),
    )


def downgrade() -> None:
    op.drop_table("rating_pointers")
    op.drop_index("ix_rating_snapshot_results_subject", "rating_snapshot_results")
    op.drop_table("rating_snapshot_results")
    op.drop_index("ix_rating_snapshots_rating", "rating_snapshots")
    op.drop_table("rating_snapshots")
    op.drop_table("rating_state")
