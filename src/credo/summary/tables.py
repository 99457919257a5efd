"""The maintained counts and how far into the change feed they have been brought."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String

from credo.db.columns import moment
from credo.db.metadata import JsonType, table

# One row per (measure, key): statements by year of occurrence, record chains by type.
# Derived from record_statements through the change feed; rebuildable by a recount.
record_counts = table(
    "record_counts",
    Column("measure", String(32), primary_key=True),
    Column("key", String(64), primary_key=True),
    Column("count", BigInteger, nullable=False),
)

# Where each summary stands in the change feed: every seq up to last_seq is counted except
# the gaps, [first, last, first seen] ranges not yet committed (PostgreSQL commits sequence
# numbers out of order) that are counted when they appear.
summary_watermarks = table(
    "summary_watermarks",
    Column("name", String(32), primary_key=True),
    Column("last_seq", Integer, nullable=False),
    Column("gaps", JsonType, nullable=False),
    moment("refreshed_at", null=True),
)
