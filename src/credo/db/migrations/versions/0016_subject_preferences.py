"""subject_preferences: the language (and, where given, the time zone) in which a subject is
written to (credo.notices.reader). The portal records the language a subject acts in; a subject
without a row is written to in the registry's language and time zone (``registry.language``,
``registry.time_zone``)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import TS, column, pk, subject_fk

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    op.create_table(
        "subject_preferences",
        column("subject_id", sa.Integer()),
        column("language", sa.String(length=16)),
        column("time_zone", sa.String(length=64), null=True),
        column("updated_at", TS),
        subject_fk("subject_preferences"),
        pk("subject_preferences", "subject_id"),
    )


def downgrade() -> None:
    op.drop_table("subject_preferences")
