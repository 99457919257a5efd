"""portal_sessions: the portal's server-side sign-ins (credo.access.sessions). The browser's
cookie holds an opaque random id; the table holds only its SHA-256, the principal, when it
expires and when it was revoked. Sessions are not migrated from anything: the old cookie held
the API key itself and is simply no longer accepted."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import TS, column, columns, fk, pk

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.create_table(
        "portal_sessions",
        *columns(sa.String(length=64), "id_hash", "principal_id"),
        *columns(TS, "created_at", "expires_at"),
        column("revoked_at", TS, null=True),
        fk("portal_sessions", "principal_id", "principals.id"),
        pk("portal_sessions", "id_hash"),
    )
    op.create_index(op.f("ix_portal_sessions_principal_id"), "portal_sessions", ["principal_id"])
    op.create_index(op.f("ix_portal_sessions_expires_at"), "portal_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_portal_sessions_expires_at"), table_name="portal_sessions")
    op.drop_index(op.f("ix_portal_sessions_principal_id"), table_name="portal_sessions")
    op.drop_table("portal_sessions")
