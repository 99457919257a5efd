"""All SQL of lists: the records that can put a subject on a list, subject facts, and the
materialised list entries."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select

from credo.db.sql import chunks, upsert
from credo.lists.engine import RatingFact, SubjectFacts, TriggerRecord, rating_entry_id
from credo.lists.tables import list_entries
from credo.ratings.tables import rating_state
from credo.records import effect
from credo.records.effect import EffectRule
from credo.records.repository import in_effect
from credo.records.tables import record_current
from credo.subjects.tables import subject_identifiers, subjects

ENTRY_UPDATE = [
    c.name for c in list_entries.columns if c.name not in ("id", "proposed_at", "notified_at")
]


def _trigger_query(record_types: Sequence[str], rule: EffectRule) -> Any:
    """Records of ``record_types`` meeting the effect rule's date-free clauses; the dates on
    which each has effect are ``effect.interval`` of its row."""
    rc = record_current.c
    return select(
        rc.subject_id,
        rc.record_id,
        rc.chain_id,
        rc.record_type,
        rc.furnisher_id,
        rc.occurred_on,
        rc.effective_from,
        rc.effect_until,
        rc.expires_on,
        rc.end_reason,
        rc.confirmed_on,
        rc.payload,
    ).where(rc.record_type.in_(list(record_types)), in_effect(rule, None))


def _trigger(row: RowMapping) -> TriggerRecord:
    starts_on, ends_on = effect.interval(row)
    return TriggerRecord(
        record_id=row["record_id"],
        chain_id=row["chain_id"],
        record_type=row["record_type"],
        furnisher_id=row["furnisher_id"],
        occurred_on=row["occurred_on"],
        starts_on=starts_on,
        ends_on=ends_on,
        end_reason=effect.end_reason_of(row)
        if ends_on == row["effect_until"]
        else "retention_ended",
        confirmed_on=row["confirmed_on"],
        payload=row["payload"] or {},
    )


def trigger_records(
    conn: Connection,
    subject_ids: Sequence[int] | None,
    record_types: Sequence[str],
    rule: EffectRule,
) -> dict[int, list[TriggerRecord]]:
    """subject id -> its records that may put it on a list; ``None`` reads every subject."""
    out: dict[int, list[TriggerRecord]] = {}
    if not record_types:
        return out
    base = _trigger_query(record_types, rule)
    parts: list[Any] = (
        [base]
        if subject_ids is None
        else [
            base.where(record_current.c.subject_id.in_(part)) for part in chunks(subject_ids, 900)
        ]
    )
    for query in parts:
        for row in conn.execute(query).mappings():
            out.setdefault(row["subject_id"], []).append(_trigger(row))
    return out


def subject_facts(conn: Connection, subject_ids: Sequence[int]) -> dict[int, SubjectFacts]:
    out: dict[int, SubjectFacts] = {}
    for part in chunks(list(subject_ids), 900):
        query = select(subjects.c.id, subjects.c.kind, subjects.c.birth_date).where(
            subjects.c.id.in_(part)
        )
        for subject_id, kind, born in conn.execute(query):
            out[subject_id] = SubjectFacts(subject_id, kind, born)
    return out


def identifiers_of_subjects(
    conn: Connection, subject_ids: Sequence[int]
) -> Iterator[tuple[int, str, str]]:
    """(subject id, scheme, value) of the given subjects."""
    for part in chunks(list(subject_ids), 900):
        query = select(
            subject_identifiers.c.subject_id,
            subject_identifiers.c.scheme,
            subject_identifiers.c.value,
        ).where(subject_identifiers.c.subject_id.in_(part))
        yield from ((row[0], row[1], row[2]) for row in conn.execute(query))


def stored_entries(conn: Connection, subject_ids: Sequence[int]) -> list[RowMapping]:
    rows: list[RowMapping] = []
    for part in chunks(list(subject_ids), 900):
        query = select(list_entries).where(list_entries.c.subject_id.in_(part))
        rows += conn.execute(query).mappings().all()
    return rows


def save_entries(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    upsert(conn, list_entries, rows, ["id"], ENTRY_UPDATE)


def end_entries(conn: Connection, entry_ids: Sequence[str], reason: str, at: datetime) -> None:
    for part in chunks(list(entry_ids), 900):
        conn.execute(
            list_entries.update()
            .where(list_entries.c.id.in_(part), list_entries.c.status != "ended")
            .values(status="ended", ended_reason=reason, ends_on=at.date(), updated_at=at)
        )


def effective_entries_of_list(
    conn: Connection, list_id: str, on: date, limit: int, after: str = ""
) -> list[RowMapping]:
    """Entries of the list in effect on ``on`` (by their stored dates), with one identifier
    of each subject for the register."""
    return _entries_of_list(conn, list_id, on, limit, after, open_only=False)


def current_entries_of_list(
    conn: Connection, list_id: str, today: date, limit: int, after: str = ""
) -> list[RowMapping]:
    """The public view of a list: entries in effect ``today`` that have not ended (an entry
    ended early, by performance, delisting or withdrawal, is never public again)."""
    return _entries_of_list(conn, list_id, today, limit, after, open_only=True)


def _entries_of_list(
    conn: Connection, list_id: str, on: date, limit: int, after: str, open_only: bool
) -> list[RowMapping]:
    first_identifier = (
        select(func.min(subject_identifiers.c.scheme + ":" + subject_identifiers.c.value))
        .where(subject_identifiers.c.subject_id == list_entries.c.subject_id)
        .scalar_subquery()
    )
    conditions = [
        list_entries.c.list_id == list_id,
        list_entries.c.effective_on <= on,
        list_entries.c.ends_on > on,
        list_entries.c.id > after,
    ]
    if open_only:
        conditions.append(list_entries.c.status != "ended")
    query = (
        select(list_entries, first_identifier.label("identifier"))
        .where(*conditions)
        .order_by(list_entries.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def rating_facts(
    conn: Connection,
    subject_ids: Sequence[int] | None,
    lists_by_rating: dict[str, list[str]],
    keys: dict[str, str],
) -> dict[int, dict[str, RatingFact]]:
    """subject id -> rating id -> current band (from ``rating_state``), with the start of the
    open list entry that band already holds, so a re-evaluation never restarts the notice."""
    if not keys:
        return {}
    by_key = {key: rating_id for rating_id, key in keys.items()}
    query = select(
        rating_state.c.subject_id, rating_state.c.rating_key, rating_state.c.band,
        rating_state.c.as_of,
    ).where(rating_state.c.rating_key.in_(list(by_key)))  # fmt: skip
    parts = [query] if subject_ids is None else [
        query.where(rating_state.c.subject_id.in_(part)) for part in chunks(subject_ids, 900)
    ]  # fmt: skip
    rows = [row for part in parts for row in conn.execute(part)]
    starts = _open_entry_starts(conn, {row[0] for row in rows})
    out: dict[int, dict[str, RatingFact]] = {}
    for subject_id, key, band, as_of in rows:
        rating_id = by_key[key]
        ids = [rating_entry_id(list_id, key, band) for list_id in lists_by_rating[rating_id]]
        since = min([starts[i] for i in ids if i in starts], default=as_of)
        out.setdefault(subject_id, {})[rating_id] = RatingFact(rating_id, key, band, since)
    return out


def _open_entry_starts(conn: Connection, subject_ids: set[int]) -> dict[str, date]:
    found: dict[str, date] = {}
    for part in chunks(sorted(subject_ids), 900):
        query = select(list_entries.c.id, list_entries.c.starts_on).where(
            list_entries.c.subject_id.in_(part), list_entries.c.status != "ended"
        )
        found.update({entry_id: start for entry_id, start in conn.execute(query)})
    return found


def open_entry_starts_of_lists(conn: Connection, list_ids: Sequence[str]) -> dict[str, date]:
    """entry id -> start of every stored open entry of these lists, for all subjects at once
    (a policy simulation, ``credo.governance.simulate``): a band that already holds an entry
    keeps its start, as ``rating_facts`` reads it per subject."""
    if not list_ids:
        return {}
    query = select(list_entries.c.id, list_entries.c.starts_on).where(
        list_entries.c.list_id.in_(list(list_ids)), list_entries.c.status != "ended"
    )
    return {entry_id: start for entry_id, start in conn.execute(query)}


def entries_of_subject_on(conn: Connection, subject_id: int, on: date) -> list[RowMapping]:
    """The subject's stored entries in effect on ``on`` (by their stored dates, as
    ``effective_entries_of_list``), whatever their status today: a check about a past date
    (``credo.checks.past``) reads which entries the register held that day."""
    query = select(list_entries).where(
        list_entries.c.subject_id == subject_id,
        list_entries.c.effective_on <= on,
        list_entries.c.ends_on > on,
    )
    return list(conn.execute(query.order_by(list_entries.c.id)).mappings())


def entry_of_subject(conn: Connection, entry_id: str, subject_id: int) -> RowMapping | None:
    """The stored entry ``entry_id``, only if it is the subject's."""
    query = select(list_entries).where(
        list_entries.c.id == entry_id, list_entries.c.subject_id == subject_id
    )
    return conn.execute(query).mappings().first()


def subjects_with_lapsed_entries(conn: Connection, today: date, limit: int) -> list[int]:
    query = (
        select(list_entries.c.subject_id)
        .where(list_entries.c.ends_on <= today, list_entries.c.status != "ended")
        .distinct()
        .limit(limit)
    )
    return sorted(row[0] for row in conn.execute(query))
