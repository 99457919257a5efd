"""record_current: index (subject_id, record_type) instead of (subject_id)

Queries for some subjects' records of some types (the rating and list hooks, a subject's
rating) had two single-column indexes to choose from; without statistics SQLite chose the
record-type index and read every record of the type (0.3 s per query at 2 M records).
With both columns in one index it reads only those subjects' records of those types."""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_index(
        "ix_record_current_subject_type", "record_current", ["subject_id", "record_type"]
    )
    op.drop_index("ix_record_current_subject", table_name="record_current")


def downgrade() -> None:
    op.create_index("ix_record_current_subject", "record_current", ["subject_id"])
    op.drop_index("ix_record_current_subject_type", table_name="record_current")
