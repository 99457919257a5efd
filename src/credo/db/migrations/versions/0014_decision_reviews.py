"""decision_reviews: advisory decisions and the named person's confirmation or override
(G-37, credo.checks.review). One row per decision that applied a significant adverse measure,
opened with its inquiry; nothing to migrate (earlier decisions were never advisory).

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "decision_reviews",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("relying_party_id", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=True),
        sa.Column("purpose", sa.String(length=64), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("measures", JSON, nullable=False),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("valid_until", TS, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reviewer", sa.String(length=120), nullable=True),
        sa.Column("reasons", sa.String(length=4000), nullable=True),
        sa.Column("reviewed_at", TS, nullable=True),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_reviews")),
    )
    op.create_index(
        "ix_decision_reviews_party_status", "decision_reviews", ["relying_party_id", "status"]
    )
    op.create_index("ix_decision_reviews_subject", "decision_reviews", ["subject_id"])


def downgrade() -> None:
    op.drop_index("ix_decision_reviews_subject", table_name="decision_reviews")
    op.drop_index("ix_decision_reviews_party_status", table_name="decision_reviews")
    op.drop_table("decision_reviews")
