"""furnisher_quality: each furnisher's dispute, correction, overturn and late-response rates
over the catalogue's rolling window and its hold state (G-49, credo.quality). Written by the
jobs runner; nothing to migrate (no furnisher was ever held)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import TS, column, columns, pk

revision = "0013"
down_revision = "0012"

RATES = ("dispute_rate", "correction_rate", "overturn_rate", "late_response_rate")


def upgrade() -> None:
    op.create_table(
        "furnisher_quality",
        column("furnisher_id", sa.String(length=64)),
        *columns(TS, "evaluated_at", "window_start", "window_end"),
        *columns(sa.Integer(), "records", "disputes", "corrections", "overturns"),
        *columns(sa.Integer(), "disputes_due", "late_responses"),
        *columns(sa.Float(), *RATES, null=True),
        column("held", sa.Boolean()),
        column("held_since", TS, null=True),
        column("hold_reason", sa.Text(), null=True),
        column("released_at", TS, null=True),
        column("released_by", sa.String(length=120), null=True),
        column("release_reason", sa.Text(), null=True),
        pk("furnisher_quality", "furnisher_id"),
    )


def downgrade() -> None:
    op.drop_table("furnisher_quality")
