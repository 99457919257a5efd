"""Principals and their API keys."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String

from credo.db.columns import created_at, moment, subject_fk
from credo.db.metadata import table

principals = table(
    "principals",
    Column("id", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("furnisher_id", String(64)),
    Column("relying_party_id", String(64)),
    subject_fk(null=True),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False),
    created_at(),
    moment("disabled_at", null=True),
)

# Portal sign-ins: the browser holds a random session id, the database only its SHA-256, so a
# copy of this table opens no session. A session ends at expires_at, when revoked (sign-out),
# or at once when its principal is disabled (checked on every request).
portal_sessions = table(
    "portal_sessions",
    Column("id_hash", String(64), primary_key=True),
    Column("principal_id", String(64), ForeignKey("principals.id"), nullable=False, index=True),
    created_at(),
    moment("expires_at", index=True),
    moment("revoked_at", null=True),
)
