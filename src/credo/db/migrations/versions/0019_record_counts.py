"""record_counts and summary_watermarks: the console's counts of statements by year and of
record chains by type, kept current from the change feed (credo.summary) instead of a scan of
every statement on each request. The watermark starts at 0: the first refresh counts what is
there, later ones only what the feed says is new."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import JSON, TS, column, pk

revision = "0019"
down_revision = "0016"


def upgrade() -> None:
    op.create_table(
        "record_counts",
        column("measure", sa.String(length=32)),
        column("key", sa.String(length=64)),
        column("count", sa.BigInteger()),
        pk("record_counts", "measure", "key"),
    )
    watermarks = op.create_table(
        "summary_watermarks",
        column("name", sa.String(length=32)),
        column("last_seq", sa.Integer()),
        column("gaps", JSON),
        column("refreshed_at", TS, null=True),
        pk("summary_watermarks", "name"),
    )
    op.bulk_insert(watermarks, [{"name": "record_counts", "last_seq": 0, "gaps": []}])


def downgrade() -> None:
    op.drop_table("summary_watermarks")
    op.drop_table("record_counts")
