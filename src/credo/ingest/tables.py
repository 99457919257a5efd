"""Ingestion runs and quarantined rows."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, UniqueConstraint

from credo.db.metadata import JsonType, metadata

ingest_runs = Table(
    "ingest_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_key", String(80), nullable=False, index=True),
    Column("source_name", String(300), nullable=False),
    Column("mapping", String(200)),
    Column("furnisher_id", String(64), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("rows_read", Integer, nullable=False, default=0),
    Column("accepted", Integer, nullable=False, default=0),
    Column("duplicate", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
    Column("status", String(16), nullable=False, default="running"),
)

# A row that could not be accepted, with its machine-readable reason. One per source row:
# re-running a file never doubles it.
quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_key", String(80), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("furnisher_id", String(64), nullable=False),
    Column("reason_code", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("raw", JsonType),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("source_key", "row_number"),
)
