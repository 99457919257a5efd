"""ingest_runs: the run report's accounting of every line of the file (lines_read, and
not_reached: the rows after a failure that no chunk read) and the failure's message."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("ingest_runs") as batch:
        batch.add_column(sa.Column("lines_read", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("not_reached", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("error", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ingest_runs") as batch:
        batch.drop_column("error")
        batch.drop_column("not_reached")
        batch.drop_column("lines_read")
