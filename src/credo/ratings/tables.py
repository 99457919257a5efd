"""Rating state: the real-time current state per subject, and batch snapshots with a pointer
row that switches atomically to the newest validated snapshot (old snapshots stay)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Date, Float, ForeignKey, Index, Integer, String

from credo.db.columns import (
    created_at,
    moment,
    serial,
    status,
    subject_fk,
    subject_id,
    subject_index,
)
from credo.db.metadata import JsonType, table


def _result() -> list[Column[Any]]:
    """What a rating gave a subject, in the current state and in a snapshot alike: its band,
    its total where it has one, and the features it was computed from."""
    return [
        Column("band", String(32), nullable=False),
        Column("total", Float),
        Column("features", JsonType, nullable=False),
    ]


# One row per (rating, subject): updated in the write transaction by the real-time hook.
rating_state = table(
    "rating_state",
    Column("rating_key", String(80), primary_key=True),
    subject_fk(primary_key=True),
    Column("as_of", Date, nullable=False),
    *_result(),
    moment("evaluated_at"),
    # Why a pending or not-rated result is so (credo.ratings.banding.REASONS); null for a band.
    Column("reason", String(120)),
    Index("ix_rating_state_rating_band", "rating_key", "band"),  # the console's bands
)

rating_snapshots = table(
    "rating_snapshots",
    serial(),
    Column("rating_key", String(80), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("engine", String(16), nullable=False),
    status(),  # building | valid | rejected
    Column("subjects", Integer, nullable=False),
    Column("summary", JsonType, nullable=False),
    created_at(),
    Index("ix_rating_snapshots_rating", "rating_key"),
)

rating_snapshot_results = table(
    "rating_snapshot_results",
    Column("snapshot_id", Integer, ForeignKey("rating_snapshots.id"), primary_key=True),
    subject_id(primary_key=True),
    *_result(),
    Column("reason", String(120)),
    subject_index("rating_snapshot_results"),
)

# The pointer: which snapshot is current for each rating. Switching is one row update.
rating_pointers = table(
    "rating_pointers",
    Column("rating_key", String(80), primary_key=True),
    Column("snapshot_id", Integer, ForeignKey("rating_snapshots.id"), nullable=False),
    moment("switched_at"),
)
