"""decision_reviews: advisory decisions and the named person's confirmation or override
(G-37, credo.checks.review). One row per decision that applied a significant adverse measure,
opened with its inquiry; nothing to migrate (earlier decisions were never advisory)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import JSON, TS, column, columns, pk

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    op.create_table(
        "decision_reviews",
        column("id", sa.String(length=32)),
        column("relying_party_id", sa.String(length=64)),
        column("subject_id", sa.Integer(), null=True),
        column("purpose", sa.String(length=64)),
        column("outcome", sa.String(length=16)),
        column("measures", JSON),
        *columns(TS, "opened_at", "valid_until"),
        column("status", sa.String(length=16)),
        column("reviewer", sa.String(length=120), null=True),
        column("reasons", sa.String(length=4000), null=True),
        column("reviewed_at", TS, null=True),
        column("reviewed_by", sa.String(length=64), null=True),
        pk("decision_reviews", "id"),
    )
    op.create_index(
        "ix_decision_reviews_party_status", "decision_reviews", ["relying_party_id", "status"]
    )
    op.create_index("ix_decision_reviews_subject", "decision_reviews", ["subject_id"])


def downgrade() -> None:
    op.drop_index("ix_decision_reviews_subject", table_name="decision_reviews")
    op.drop_index("ix_decision_reviews_party_status", table_name="decision_reviews")
    op.drop_table("decision_reviews")
