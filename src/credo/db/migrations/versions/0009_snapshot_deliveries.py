"""snapshot_deliveries: full-list deliveries (``credo ingest --snapshot``), held ones with
their mapped rows until an operator applies or rejects them (credo.ingest.snapshot).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    counts = ("rows_read", "present", "in_effect", "new", "confirmed", "delisted", "quarantined")
    op.create_table(
        "snapshot_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("furnisher_id", sa.String(length=64), nullable=False),
        sa.Column("record_types", _json(), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=False),
        sa.Column("source_name", sa.String(length=300), nullable=False),
        sa.Column("source_key", sa.String(length=80), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("max_delist_share", sa.Float(), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in counts),
        sa.Column("provenance", _json(), nullable=True),
        sa.Column("rows", _json(), nullable=True),
        sa.Column("created_by", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshot_deliveries")),
    )
    op.create_index(
        "ix_snapshot_deliveries_furnisher_status",
        "snapshot_deliveries",
        ["furnisher_id", "status"],
    )
    op.create_index("ix_snapshot_deliveries_source_key", "snapshot_deliveries", ["source_key"])


def downgrade() -> None:
    op.drop_index("ix_snapshot_deliveries_source_key", table_name="snapshot_deliveries")
    op.drop_index("ix_snapshot_deliveries_furnisher_status", table_name="snapshot_deliveries")
    op.drop_table("snapshot_deliveries")
