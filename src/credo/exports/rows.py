"""What an export reads: a rating's results and a list's entries, each row with its subject's
kind, name and public identifiers, in key order (keyset: ``after`` the last key seen). The
rows come streamed, in chunks, from the owning domains' query functions (credo.ratings.queries,
credo.lists.service), and the subjects of each chunk from credo.subjects.service."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import Connection

from credo.lists.service import HeldEntry, entries_held_on
from credo.ratings.queries import RatingResult, results_after
from credo.subjects.service import SubjectCard, cards

CHUNK = 5000  # rows fetched per round trip and written per batch
SHOWN_IDENTIFIERS = {"ric": "cn_ric", "uscc": "cn_uscc"}  # column -> scheme
Row = RatingResult | HeldEntry


def rating_results(
    conn: Connection,
    rating_key: str,
    compiled_sql: str | None,
    after: int = 0,
    limit: int | None = None,
    kinds: Collection[str] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Results of the rating, subject by subject in id order after ``after`` (of subjects of
    ``kinds`` only, when given): the stored state when ``compiled_sql`` is None, else the
    compiled query's (a date's evaluation)."""
    chunks = results_after(conn, rating_key, compiled_sql, after, _chunk(limit))
    yield from _with_subjects(conn, chunks, limit, kinds, ("uscc",))


def list_entries_on(
    conn: Connection,
    list_id: str,
    on: date,
    today: date,
    after: str = "",
    limit: int | None = None,
    kinds: Collection[str] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """The list's entries in effect on ``on`` (credo.lists.service.entries_held_on), in entry
    id order after ``after``, with each subject's kind, name and identifiers."""
    chunks = entries_held_on(conn, list_id, on, today, after, _chunk(limit))
    yield from _with_subjects(conn, chunks, limit, kinds, ("ric", "uscc"))


def _chunk(limit: int | None) -> int:
    return CHUNK if limit is None else min(limit, CHUNK)


def _with_subjects(
    conn: Connection,
    chunks: Iterator[Sequence[Row]],
    limit: int | None,
    kinds: Collection[str] | None,
    identifiers: Sequence[str],
) -> Iterator[list[dict[str, Any]]]:
    """Each chunk's rows with their subject's card, those of ``kinds`` only (when given); with
    ``limit``, one list of at most that many rows."""
    page: list[dict[str, Any]] = []
    for chunk in chunks:
        found = cards(conn, [row.subject_id for row in chunk])
        lines = [
            _line(row, card, identifiers)
            for row in chunk
            if (card := found.get(row.subject_id)) and (kinds is None or card.kind in kinds)
        ]
        if limit is None:
            yield lines
            continue
        page += lines[: limit - len(page)]
        if len(page) == limit:
            break
    if limit is not None:
        yield page


def _line(row: Row, card: SubjectCard, identifiers: Sequence[str]) -> dict[str, Any]:
    shown = {name: card.identifiers.get(SHOWN_IDENTIFIERS[name]) for name in identifiers}
    return {**asdict(row), "kind": card.kind, "display_name": card.display_name, **shown}
