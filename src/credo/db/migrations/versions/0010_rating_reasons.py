"""rating_state.reason and rating_snapshot_results.reason: why a pending or not-rated result is
so (credo.ratings.banding.REASONS: no_inputs, missing_feature:<id>, stale_assessment,
band_not_rated, band_pending, pending:<id>); null for a band."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    with op.batch_alter_table("rating_state") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=120), nullable=True))
    with op.batch_alter_table("rating_snapshot_results") as batch:
        batch.add_column(sa.Column("reason", sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rating_snapshot_results") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("rating_state") as batch:
        batch.drop_column("reason")
