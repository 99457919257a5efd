"""inquiries.as_of: the past date a check asked about (null for a check about the day it was
made), so the subject's inquiry log says which day each check concerned (G-24)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.add_column("inquiries", sa.Column("as_of", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("inquiries", "as_of")
