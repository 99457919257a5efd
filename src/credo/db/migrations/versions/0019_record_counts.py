"""record_counts and summary_watermarks: the console's counts of statements by year and of
record chains by type, kept current from the change feed (credo.summary) instead of a scan of
every statement on each request. The watermark starts at 0: the first refresh counts what is
there, later ones only what the feed says is new.

Revision ID: 0019
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0019"
down_revision = "0016"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "record_counts",
        sa.Column("measure", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("measure", "key", name=op.f("pk_record_counts")),
    )
    watermarks = op.create_table(
        "summary_watermarks",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("gaps", JSON, nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_summary_watermarks")),
    )
    op.bulk_insert(watermarks, [{"name": "record_counts", "last_seq": 0, "gaps": []}])


def downgrade() -> None:
    op.drop_table("summary_watermarks")
    op.drop_table("record_counts")
