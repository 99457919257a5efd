"""subject_preferences: the language (and, where given, the time zone) in which a subject is
written to (credo.notices.reader). The portal records the language a subject acts in; a subject
without a row is written to in the registry's language and time zone (``registry.language``,
``registry.time_zone``).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "subject_preferences",
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["subject_id"], ["subjects.id"], name=op.f("fk_subject_preferences_subject_id_subjects")
        ),
        sa.PrimaryKeyConstraint("subject_id", name=op.f("pk_subject_preferences")),
    )


def downgrade() -> None:
    op.drop_table("subject_preferences")
