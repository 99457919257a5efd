"""Principals and their API keys."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, Table

from credo.db.metadata import metadata

principals = Table(
    "principals",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("display_name", String(200), nullable=False),
    Column("furnisher_id", String(64)),
    Column("relying_party_id", String(64)),
    Column("subject_id", Integer, ForeignKey("subjects.id")),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("key_prefix", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),
)

# Portal sign-ins: the browser holds a random session id, the database only its SHA-256, so a
# copy of this table opens no session. A session ends at expires_at, when revoked (sign-out),
# or at once when its principal is disabled (checked on every request).
portal_sessions = Table(
    "portal_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("principal_id", String(64), ForeignKey("principals.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False, index=True),
    Column("revoked_at", DateTime(timezone=True)),
)
