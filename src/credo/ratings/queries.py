"""What other domains read of the ratings: the real-time state, as plain values (the tables
and the repository stay private to credo.ratings)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.ratings import repository
from credo.ratings.compiler import Dialect


@dataclass(frozen=True, slots=True)
class RatingState:
    """A subject's current result of one rating (``rating_state``)."""

    rating_key: str
    subject_id: int
    as_of: date
    band: str
    total: float | None
    features: dict[str, Any]
    evaluated_at: datetime
    reason: str | None  # why a pending or not-rated result is so (banding.REASONS)


_STATE_FIELDS = tuple(f.name for f in fields(RatingState))


@dataclass(frozen=True, slots=True)
class CurrentBand:
    """A subject's band under a rating, and the day it was computed for."""

    subject_id: int
    rating_key: str
    band: str
    as_of: date


def _state(row: RowMapping) -> RatingState:
    return RatingState(**{name: row[name] for name in _STATE_FIELDS})


def states_of_subject(
    conn: Connection, subject_id: int, rating_keys: Sequence[str] | None = None
) -> list[RatingState]:
    """The subject's current results, by rating key (of ``rating_keys`` only, when given)."""
    return [_state(r) for r in repository.states_of_subject(conn, subject_id, rating_keys)]


def states_after(conn: Connection, rating_key: str, after: int, limit: int) -> list[RatingState]:
    """One page of a rating's current results in subject-id order, after subject ``after``."""
    return [_state(r) for r in repository.states_after(conn, rating_key, after, limit)]


def current_bands(
    conn: Connection, rating_keys: Sequence[str], subject_ids: Sequence[int] | None = None
) -> list[CurrentBand]:
    """The current band of each rating in ``rating_keys`` for ``subject_ids`` (all: None)."""
    if not rating_keys:
        return []
    return [CurrentBand(*row) for row in repository.current_bands(conn, rating_keys, subject_ids)]


def band_counts(conn: Connection) -> list[tuple[str, str, int]]:
    """(rating key, band, subjects) over the current state, ordered by key and band."""
    return repository.band_counts_by_rating(conn)


def dialect_of(conn: Connection) -> Dialect:
    """The compiler's dialect for this connection (``credo.ratings.compiler``)."""
    return repository.dialect_of(conn)


@dataclass(frozen=True, slots=True)
class RatingResult:
    """One subject's result of a rating, stored or evaluated on a date, without features."""

    subject_id: int
    as_of: date
    total: float | None
    band: str
    reason: str | None


def results_after(
    conn: Connection, rating_key: str, compiled_sql: str | None, after: int, chunk: int
) -> Iterator[list[RatingResult]]:
    """A rating's results in subject-id order after subject ``after``, in lists of ``chunk``
    read from one streaming query (a result of any size holds one list in memory): the
    real-time state when ``compiled_sql`` is None, else that compiled rating query's
    (``credo.ratings.compiler``, a date's evaluation)."""
    for rows in repository.results_after(conn, rating_key, compiled_sql, after, chunk):
        yield [RatingResult(**row) for row in rows]
