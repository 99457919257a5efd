"""What other packages read of the stored list entries (``list_entries``), as plain values: the
public register and the console, the notices, a check about a past date. The stored entries
are the register's lifecycle (proposed, notified, effective, ended with a reason); decisions
never read them (G-16), they derive entries from records (``credo.lists.service``).

Which entries of a day count (``standing``): ``open``, those not ended (what the public
register shows, G-25: an entry ended early is never public again); ``held``, any status, by
the stored dates alone; ``not_withdrawn``, all but those ended because their records no longer
stand (annulled, disputed, deleted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import Connection, RowMapping

from credo.lists import repository

Standing = Literal["open", "held", "not_withdrawn"]


@dataclass(frozen=True, slots=True)
class StoredEntry:
    """A stored list entry. ``record_ids`` are the records behind it, or for a rating-band
    entry ``rating:<key>:<band>``."""

    id: str
    list_id: str
    list_version: int
    subject_id: int
    record_ids: tuple[str, ...]
    status: str  # proposed | notified | effective | ended
    starts_on: date
    effective_on: date
    ends_on: date
    ended_reason: str | None
    proposed_at: datetime
    notified_at: datetime | None
    updated_at: datetime


def _entry(row: RowMapping) -> StoredEntry:
    return StoredEntry(**{**row, "record_ids": tuple(row["record_ids"] or ())})


def entries_of_list(
    conn: Connection,
    list_id: str,
    on: date,
    standing: Standing = "open",
    *,
    after: str = "",
    offset: int = 0,
    limit: int | None = None,
    newest_first: bool = False,
) -> list[StoredEntry]:
    """The list's entries in effect on ``on``: in entry-id order after ``after``, or newest
    first (by the day they took effect)."""
    rows = repository.entries_of_list(
        conn, list_id, on, standing, after, offset, limit, newest_first
    )
    return [_entry(r) for r in rows]


def entry_count(conn: Connection, list_id: str, on: date, standing: Standing = "open") -> int:
    """How many entries of the list are in effect on ``on``."""
    return repository.entry_count(conn, list_id, on, standing)


def entries_of_subjects(
    conn: Connection,
    subject_ids: Sequence[int],
    on: date | None = None,
    standing: Standing = "held",
    *,
    list_ids: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
) -> list[StoredEntry]:
    """The subjects' entries, in subject and entry-id order: those in effect on ``on``
    (``None``: every entry whatever its dates), of ``list_ids`` and in ``statuses`` when
    given."""
    rows = repository.entries_of_subjects(conn, subject_ids, on, standing, list_ids, statuses)
    return [_entry(r) for r in rows]


def listed_among(
    conn: Connection, subject_ids: Sequence[int], list_ids: Sequence[str], on: date
) -> set[int]:
    """Those of ``subject_ids`` with an open entry in effect on ``on`` on one of ``list_ids``."""
    if not subject_ids or not list_ids:
        return set()
    return repository.listed_among(conn, subject_ids, list_ids, on)


def list_sizes(conn: Connection, on: date) -> list[tuple[str, int]]:
    """(list id, open entries in effect on ``on``), by list id."""
    return repository.list_sizes(conn, on)


def flows_by_year(conn: Connection) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(year, entries that took effect), and (year, entries that ended), by year."""
    return repository.flows_by_year(conn)


def open_entry_starts_of_lists(conn: Connection, list_ids: Sequence[str]) -> dict[str, date]:
    """entry id -> start of every stored open entry of these lists, for all subjects at once
    (a policy simulation): a band that already holds an entry keeps its start."""
    return repository.open_entry_starts_of_lists(conn, list_ids)


def listed_subjects(conn: Connection, list_ids: Sequence[str], on: date) -> set[int]:
    """The subjects with an open entry in effect on ``on`` on one of ``list_ids``."""
    return repository.listed_subjects(conn, list_ids, on) if list_ids else set()
