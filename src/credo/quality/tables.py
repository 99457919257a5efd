"""The stored furnisher-quality evaluation (G-49): one row per furnisher, written by the jobs
runner (``credo jobs run``) and read by the write path, checks, reports, the API and the
console, so no request recomputes a rate. Holds and releases are also in the audit log."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Integer, String, Text

from credo.db.columns import moment, stamp
from credo.db.metadata import table

furnisher_quality = table(
    "furnisher_quality",
    Column("furnisher_id", String(64), primary_key=True),
    moment("evaluated_at"),
    # [window_start, window_end]: the rolling window, or from the last release when later
    moment("window_start"),
    moment("window_end"),
    Column("records", Integer, nullable=False),
    Column("disputes", Integer, nullable=False),
    Column("corrections", Integer, nullable=False),
    Column("overturns", Integer, nullable=False),
    Column("disputes_due", Integer, nullable=False),
    Column("late_responses", Integer, nullable=False),
    # None: no denominator (no records furnished, no dispute due in the window)
    Column("dispute_rate", Float),
    Column("correction_rate", Float),
    Column("overturn_rate", Float),
    Column("late_response_rate", Float),
    Column("held", Boolean, nullable=False),
    moment("held_since", null=True),
    Column("hold_reason", Text),  # the rates above their thresholds, in words
    *stamp("released", actor_length=120),
    Column("release_reason", Text),
)
