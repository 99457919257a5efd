"""List entries for subjects, for any date, and their materialised lifecycle."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.catalog.lists import ListDef
from credo.lists import repository
from credo.lists.evaluate import (
    Entry,
    RatingFact,
    SubjectFacts,
    derive_entries,
    list_ratings,
    list_record_types,
    rating_entry_id,
)
from credo.ratings import queries as ratings_queries
from credo.records import queries as records_queries
from credo.records.effect import EffectRule
from credo.subjects import service as subjects_service


def entries_for(
    conn: Connection, catalogue: Catalogue, subject_ids: Sequence[int] | None
) -> dict[int, list[Entry]]:
    """subject id -> every entry its records (and current rating bands) produce; ``None``:
    every subject with a record or a rating some list reads."""
    records = records_queries.standing_records(
        conn, subject_ids, sorted(list_record_types(catalogue)), EffectRule.of(catalogue)
    )
    ratings = _rating_facts(conn, catalogue, subject_ids)
    facts = subject_facts(conn, sorted(set(records) | set(ratings)))
    return {
        subject_id: derive_entries(
            catalogue, subject, records.get(subject_id, []), ratings.get(subject_id)
        )
        for subject_id, subject in facts.items()
    }


def subject_facts(conn: Connection, subject_ids: Sequence[int]) -> dict[int, SubjectFacts]:
    """What entry rules read of each subject (kind, birth date), for the subjects that exist."""
    found = subjects_service.kinds_and_birth_dates(conn, subject_ids)
    return {s: SubjectFacts(s, kind, born) for s, (kind, born) in found.items()}


def _rating_facts(
    conn: Connection, catalogue: Catalogue, subject_ids: Sequence[int] | None
) -> dict[int, dict[str, RatingFact]]:
    """subject id -> rating id -> current band, with the start of the open list entry that
    band already holds, so a re-evaluation never restarts the notice."""
    by_key = {key: rating_id for rating_id, key in _rating_keys(catalogue).items()}
    bands = ratings_queries.current_bands(conn, list(by_key), subject_ids)
    starts = repository.open_entry_starts(conn, {b.subject_id for b in bands})
    lists_by_rating = _lists_by_rating(catalogue)
    out: dict[int, dict[str, RatingFact]] = {}
    for b in bands:
        rating_id = by_key[b.rating_key]
        ids = [
            rating_entry_id(list_id, b.rating_key, b.band) for list_id in lists_by_rating[rating_id]
        ]
        since = min([starts[i] for i in ids if i in starts], default=b.as_of)
        out.setdefault(b.subject_id, {})[rating_id] = RatingFact(
            rating_id, b.rating_key, b.band, since
        )
    return out


def _lists_by_rating(catalogue: Catalogue) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for list_def in catalogue.lists.values():
        if list_def.entry.rating_band is not None:
            found.setdefault(list_def.entry.rating_band.rating, []).append(list_def.id)
    return found


def _rating_keys(catalogue: Catalogue) -> dict[str, str]:
    return {r: catalogue.ratings[r].key for r in list_ratings(catalogue) if r in catalogue.ratings}


def entries_on(
    conn: Connection, catalogue: Catalogue, subject_id: int, on: date
) -> list[tuple[Entry, str]]:
    """The subject's entries that exist on ``on``, with their status that day."""
    return statuses_on(entries_for(conn, catalogue, [subject_id]).get(subject_id, []), on)


def statuses_on(entries: Sequence[Entry], on: date) -> list[tuple[Entry, str]]:
    """The entries that exist on ``on``, with their status that day."""
    return [(e, status) for e in entries if (status := e.status_on(on)) is not None]


def refresh_entries(
    conn: Connection, catalogue: Catalogue, subject_ids: Sequence[int], now: datetime
) -> None:
    """Bring the stored lifecycle of these subjects' entries up to date. An entry whose
    records no longer support it (revoked, disputed, deleted) ends with that reason."""
    today = now.date()
    derived = entries_for(conn, catalogue, subject_ids)
    rows = [_row(entry, today, now) for entries in derived.values() for entry in entries]
    live = {row["id"] for row in rows}
    stored = repository.stored_entries(conn, subject_ids)
    withdrawn = [r["id"] for r in stored if r["id"] not in live and r["status"] != "ended"]
    repository.save_entries(conn, rows)
    repository.end_entries(conn, withdrawn, repository.WITHDRAWN, now)


def _row(entry: Entry, today: date, now: datetime) -> dict[str, Any]:
    status = entry.status_on(today) or "proposed"  # its records take effect later
    return {
        "id": entry.id,
        "list_id": entry.list_id,
        "list_version": entry.list_version,
        "subject_id": entry.subject_id,
        "record_ids": [r.record_id for r in entry.records]
        or ([f"rating:{entry.rating.rating_key}:{entry.rating.band}"] if entry.rating else []),
        "status": status,
        "starts_on": entry.starts_on,
        "effective_on": entry.effective_on,
        "ends_on": entry.ends_on,
        "ended_reason": entry.end_reason if status == "ended" else None,
        "proposed_at": now,
        "notified_at": now,  # the notice goes out with the entry (portal notices deliver it)
        "updated_at": now,
    }


def records_of_entry(conn: Connection, entry_id: str, subject_id: int) -> list[str] | None:
    """The record ids behind the subject's stored entry ``entry_id`` (None: the subject has
    no such entry): what a repair of the entry acts on (credo.disputes, G-42)."""
    entry = repository.entry_of_subject(conn, entry_id, subject_id)
    return None if entry is None else list(entry["record_ids"] or [])


def subjects_with_lapsed_entries(conn: Connection, today: date, limit: int) -> list[int]:
    """Up to ``limit`` subjects whose stored entries passed their end date by ``today`` but
    are not marked ended yet (the scheduled job refreshes them, G-44)."""
    return repository.subjects_with_lapsed_entries(conn, today, limit)


@dataclass(frozen=True)
class HeldEntry:
    """A stored entry as a register shows it: whose, on which records, from when until when."""

    id: str
    subject_id: int
    record_ids: list[str]
    effective_on: date
    ends_on: date


def entries_held_on(
    conn: Connection, list_id: str, on: date, today: date, after: str, chunk: int
) -> Iterator[list[HeldEntry]]:
    """The list's entries in effect on ``on``, in entry-id order after ``after``, in lists of
    ``chunk`` read from one streaming query. Today: what the public register shows (not
    ended). An earlier day: the entries the register held that day by their stored dates,
    except those ended because their records no longer stand (annulled, disputed, deleted):
    they had no effect that can be shown now."""
    for rows in repository.entries_held_on(conn, list_id, on, today, after, chunk):
        yield [HeldEntry(**{**r, "record_ids": list(r["record_ids"] or [])}) for r in rows]


# -- publicity: which lists the public register shows (G-25), decided here only ----------------

PUBLIC = "public_masked"  # on the public register, identifiers masked


def is_public(list_def: ListDef) -> bool:
    """Whether anyone may see the list's entries in effect today (masked)."""
    return list_def.publicity == PUBLIC


def public_lists(catalogue: Catalogue) -> list[ListDef]:
    """The catalogue's public lists, in its order."""
    return [list_def for list_def in catalogue.lists.values() if is_public(list_def)]
