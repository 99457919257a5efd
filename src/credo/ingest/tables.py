"""Ingestion runs, quarantined rows and full-list (snapshot) deliveries."""

from __future__ import annotations

from sqlalchemy import Column, Date, Float, Index, Integer, String, Text, UniqueConstraint

from credo.db.columns import counters, created_at, moment, serial, stamp, status
from credo.db.metadata import JsonType, table

ingest_runs = table(
    "ingest_runs",
    serial(),
    Column("source_key", String(80), nullable=False, index=True),
    Column("source_name", String(300), nullable=False),
    Column("mapping", String(200)),
    Column("furnisher_id", String(64), nullable=False),
    moment("started_at"),
    moment("finished_at", null=True),
    *counters("rows_read", "accepted", "duplicate", "quarantined"),
    status(default="running"),
    # migration 0011: every line of the file accounted for, and why a failed run stopped
    Column("lines_read", Integer),
    Column("not_reached", Integer),
    Column("error", Text),
)

# A row that could not be accepted, with its machine-readable reason. One per source row:
# re-running a file never doubles it.
quarantine = table(
    "quarantine",
    serial(),
    Column("source_key", String(80), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("furnisher_id", String(64), nullable=False),
    Column("reason_code", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("raw", JsonType),
    created_at(),
    UniqueConstraint("source_key", "row_number"),
)

# A full-list delivery (``credo ingest --snapshot``, ``POST /v1/records/snapshot``): the
# furnisher's complete current list of ``record_types`` on ``delivered_on``. A delivery that
# would delist more than its share of the entries in effect is ``held`` with its mapped rows
# (``rows``) until an operator applies or rejects it; ``rows`` is cleared once decided.
snapshot_deliveries = table(
    "snapshot_deliveries",
    serial(),
    Column("furnisher_id", String(64), nullable=False),
    Column("record_types", JsonType, nullable=False),
    Column("delivered_on", Date, nullable=False),
    Column("source_name", String(300), nullable=False),
    Column("source_key", String(80), nullable=False),
    Column("run_id", Integer),  # the ingest_runs row of a file delivery
    status(),  # held | applied | rejected
    Column("max_delist_share", Float, nullable=False),
    *counters("rows_read", "present", "in_effect", "new", "confirmed", "delisted", "quarantined"),
    Column("provenance", JsonType),
    Column("rows", JsonType),
    *stamp("created", null=False, actor_length=120, by_first=True),
    *stamp("decided", actor_length=120, by_first=True),
    Index("ix_snapshot_deliveries_furnisher_status", "furnisher_id", "status"),
    Index("ix_snapshot_deliveries_source_key", "source_key"),
)
