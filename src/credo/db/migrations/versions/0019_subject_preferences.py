"""subject_preferences: the language (and, where given, the time zone) in which a subject is
written to (credo.notices.reader). The portal records the language a subject acts in; a subject
without a row is written to in the registry's language and time zone (``registry.language``,
``registry.time_zone``).

Revision ID: 0019
Revises: the newest revision numbered below 0019 (0016 to 0018 are assigned to work in
progress; this file follows whichever of them exist, so the chain stays one line)
"""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa
from alembic import op


def _previous(number: int) -> str:
    found = [
        int(match.group(1))
        for path in Path(__file__).parent.glob("*.py")
        if (match := re.match(r"^(\d{4})_", path.name)) and int(match.group(1)) < number
    ]
    return f"{max(found):04d}"


revision = "0019"
down_revision = _previous(19)
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
