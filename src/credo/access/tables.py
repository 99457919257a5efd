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
