"""snapshot_deliveries: full-list deliveries (``credo ingest --snapshot``), held ones with
their mapped rows until an operator applies or rejects them (credo.ingest.snapshot)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import JSON, TS, column, columns, pk, serial

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    counts = ("rows_read", "present", "in_effect", "new", "confirmed", "delisted", "quarantined")
    op.create_table(
        "snapshot_deliveries",
        serial(),
        column("furnisher_id", sa.String(length=64)),
        column("record_types", JSON),
        column("delivered_on", sa.Date()),
        column("source_name", sa.String(length=300)),
        column("source_key", sa.String(length=80)),
        column("run_id", sa.Integer(), null=True),
        column("status", sa.String(length=16)),
        column("max_delist_share", sa.Float()),
        *columns(sa.Integer(), *counts),
        *columns(JSON, "provenance", "rows", null=True),
        column("created_by", sa.String(length=120)),
        column("created_at", TS),
        column("decided_by", sa.String(length=120), null=True),
        column("decided_at", TS, null=True),
        pk("snapshot_deliveries", "id"),
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
