"""portal_sessions: the portal's server-side sign-ins (credo.access.sessions). The browser's
cookie holds an opaque random id; the table holds only its SHA-256, the principal, when it
expires and when it was revoked. Sessions are not migrated from anything: the old cookie held
the API key itself and is simply no longer accepted.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("principal_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["principal_id"],
            ["principals.id"],
            name=op.f("fk_portal_sessions_principal_id_principals"),
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_portal_sessions")),
    )
    op.create_index(op.f("ix_portal_sessions_principal_id"), "portal_sessions", ["principal_id"])
    op.create_index(op.f("ix_portal_sessions_expires_at"), "portal_sessions", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_portal_sessions_expires_at"), table_name="portal_sessions")
    op.drop_index(op.f("ix_portal_sessions_principal_id"), table_name="portal_sessions")
    op.drop_table("portal_sessions")
