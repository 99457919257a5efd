"""furnisher_quality: each furnisher's dispute, correction, overturn and late-response rates
over the catalogue's rolling window and its hold state (G-49, credo.quality). Written by the
jobs runner; nothing to migrate (no furnisher was ever held).

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "furnisher_quality",
        sa.Column("furnisher_id", sa.String(length=64), nullable=False),
        sa.Column("evaluated_at", TS, nullable=False),
        sa.Column("window_start", TS, nullable=False),
        sa.Column("window_end", TS, nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("disputes", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column("overturns", sa.Integer(), nullable=False),
        sa.Column("disputes_due", sa.Integer(), nullable=False),
        sa.Column("late_responses", sa.Integer(), nullable=False),
        sa.Column("dispute_rate", sa.Float(), nullable=True),
        sa.Column("correction_rate", sa.Float(), nullable=True),
        sa.Column("overturn_rate", sa.Float(), nullable=True),
        sa.Column("late_response_rate", sa.Float(), nullable=True),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("held_since", TS, nullable=True),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("released_at", TS, nullable=True),
        sa.Column("released_by", sa.String(length=120), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("furnisher_id", name=op.f("pk_furnisher_quality")),
    )


def downgrade() -> None:
    op.drop_table("furnisher_quality")
