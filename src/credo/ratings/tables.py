"""Rating state: the real-time current state per subject, and batch snapshots with a pointer
row that switches atomically to the newest validated snapshot (old snapshots stay)."""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, Float, ForeignKey, Index, Integer, String, Table

from credo.db.metadata import JsonType, metadata

# One row per (rating, subject): updated in the write transaction by the real-time hook.
rating_state = Table(
    "rating_state",
    metadata,
    Column("rating_key", String(80), primary_key=True),
    Column("subject_id", Integer, ForeignKey("subjects.id"), primary_key=True),
    Column("as_of", Date, nullable=False),
    Column("band", String(32), nullable=False),
    Column("total", Float),
    Column("features", JsonType, nullable=False),
    Column("evaluated_at", DateTime(timezone=True), nullable=False),
    # Why a pending or not-rated result is so (credo.ratings.banding.REASONS); null for a band.
    Column("reason", String(120)),
    Index("ix_rating_state_rating_band", "rating_key", "band"),  # the console's bands
)

rating_snapshots = Table(
    "rating_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("rating_key", String(80), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("engine", String(16), nullable=False),
    Column("status", String(16), nullable=False),  # building | valid | rejected
    Column("subjects", Integer, nullable=False),
    Column("summary", JsonType, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_rating_snapshots_rating", "rating_key"),
)

rating_snapshot_results = Table(
    "rating_snapshot_results",
    metadata,
    Column("snapshot_id", Integer, ForeignKey("rating_snapshots.id"), primary_key=True),
    Column("subject_id", Integer, primary_key=True),
    Column("band", String(32), nullable=False),
    Column("total", Float),
    Column("features", JsonType, nullable=False),
    Column("reason", String(120)),
    Index("ix_rating_snapshot_results_subject", "subject_id"),
)

# The pointer: which snapshot is current for each rating. Switching is one row update.
rating_pointers = Table(
    "rating_pointers",
    metadata,
    Column("rating_key", String(80), primary_key=True),
    Column("snapshot_id", Integer, ForeignKey("rating_snapshots.id"), nullable=False),
    Column("switched_at", DateTime(timezone=True), nullable=False),
)
