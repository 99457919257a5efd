"""All SQL of the portal: the public register, a subject's own report, the console figures.

Public queries return only records of public types in effect today by credo.records.effect,
and only final decisions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, and_, func, or_, select

from credo.db.sql import chunks
from credo.disputes.tables import disputes
from credo.ingest.tables import ingest_runs, quarantine
from credo.lists.tables import list_entries
from credo.ratings.tables import rating_state
from credo.records.effect import EffectRule
from credo.records.repository import in_effect
from credo.records.tables import record_current, record_statements
from credo.subjects.repository import identifier_column
from credo.subjects.tables import review_items, subject_identifiers, subjects

# Only these are published as organisations: a sole trader is a person, identified by a
# resident number, and their business records are never shown as a company's (G-46).
ORGANISATION_KINDS = ("organisation", "public_body")


def _in_publicity(types: Sequence[str], on: date) -> Any:
    """Public types in effect on ``on``; only final decisions are published (EffectRule()
    with no type enforceable pending appeal)."""
    return and_(record_current.c.record_type.in_(list(types)), in_effect(EffectRule(), on))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_organisations(conn: Connection, text: str, limit: int = 50) -> list[RowMapping]:
    """Organisations and public bodies by part of their name or by their exact USCC."""
    pattern = f"%{_escape_like(text.lower())}%"
    by_code = select(subject_identifiers.c.subject_id).where(
        subject_identifiers.c.scheme == "cn_uscc",
        subject_identifiers.c.value == text.strip().upper(),
    )
    query = (
        select(subjects.c.id, subjects.c.kind, subjects.c.display_name, _uscc_of())
        .where(
            subjects.c.kind.in_(ORGANISATION_KINDS),
            or_(
                func.lower(subjects.c.display_name).like(pattern, escape="\\"),
                subjects.c.id.in_(by_code),
            ),
        )
        .order_by(subjects.c.display_name, subjects.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def _uscc_of() -> Any:
    return identifier_column("cn_uscc", "uscc")


def _ric_of() -> Any:
    return identifier_column("cn_ric", "ric")


def search_listed_persons(
    conn: Connection, text: str, list_types: Sequence[str], on: date, limit: int = 50
) -> list[RowMapping]:
    """Persons by part of their name, only while they have a public record of ``list_types``
    in its publicity period (nobody else is findable by name)."""
    listed = select(record_current.c.subject_id).where(_in_publicity(list_types, on))
    return _persons_named(conn, text, listed, limit)


def organisation(conn: Connection, subject_id: int) -> RowMapping | None:
    query = select(subjects.c.id, subjects.c.kind, subjects.c.display_name, _uscc_of()).where(
        subjects.c.id == subject_id, subjects.c.kind.in_(ORGANISATION_KINDS)
    )
    return conn.execute(query).mappings().first()


def organisation_identifiers(conn: Connection, subject_id: int) -> list[RowMapping]:
    """Identifiers of an organisation (organisation identifiers are public)."""
    return list(
        conn.execute(
            select(subject_identifiers.c.scheme, subject_identifiers.c.value)
            .join(subjects, subjects.c.id == subject_identifiers.c.subject_id)
            .where(
                subject_identifiers.c.subject_id == subject_id,
                subjects.c.kind.in_(ORGANISATION_KINDS),
            )
            .order_by(subject_identifiers.c.scheme)
        ).mappings()
    )


def public_records(
    conn: Connection, subject_id: int, public_types: Sequence[str], on: date
) -> list[RowMapping]:
    query = (
        select(record_current)
        .where(record_current.c.subject_id == subject_id, _in_publicity(public_types, on))
        .order_by(record_current.c.effective_from.desc(), record_current.c.chain_id)
    )
    return list(conn.execute(query).mappings())


def _listed(list_types: Sequence[str], on: date) -> Select[Any]:
    return (
        select(
            record_current.c.chain_id,
            record_current.c.record_type,
            record_current.c.occurred_on,
            record_current.c.effective_from,
            record_current.c.effect_until,
            record_current.c.payload,
            record_current.c.furnisher_id,
            subjects.c.id.label("subject_id"),
            subjects.c.kind,
            subjects.c.display_name,
            _ric_of(),
            _uscc_of(),
        )
        .join(subjects, subjects.c.id == record_current.c.subject_id)
        .where(_in_publicity(list_types, on))
    )


def listed_entries(
    conn: Connection, list_types: Sequence[str], on: date, offset: int, limit: int
) -> list[RowMapping]:
    query = (
        _listed(list_types, on)
        .order_by(record_current.c.effective_from.desc(), record_current.c.chain_id)
        .offset(offset)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def listed_count(conn: Connection, list_types: Sequence[str], on: date) -> int:
    query = select(func.count()).select_from(record_current).where(_in_publicity(list_types, on))
    return int(conn.execute(query).scalar_one())


def subject(conn: Connection, subject_id: int) -> RowMapping | None:
    query = select(subjects.c.id, subjects.c.kind, subjects.c.display_name).where(
        subjects.c.id == subject_id
    )
    return conn.execute(query).mappings().first()


def subjects_by_kind(conn: Connection) -> list[tuple[str, int]]:
    query = (
        select(subjects.c.kind, func.count()).group_by(subjects.c.kind).order_by(subjects.c.kind)
    )
    return [(kind, int(count)) for kind, count in conn.execute(query)]


def recent_ingest_runs(conn: Connection, limit: int = 10) -> list[RowMapping]:
    query = select(ingest_runs).order_by(ingest_runs.c.id.desc()).limit(limit)
    return list(conn.execute(query).mappings())


def quarantine_reasons(conn: Connection) -> list[tuple[str, int]]:
    query = (
        select(quarantine.c.reason_code, func.count())
        .group_by(quarantine.c.reason_code)
        .order_by(func.count().desc())
    )
    return [(code, int(count)) for code, count in conn.execute(query)]


def open_review_counts(conn: Connection) -> list[tuple[str, int]]:
    query = (
        select(review_items.c.queue, func.count())
        .where(review_items.c.status == "open")
        .group_by(review_items.c.queue)
        .order_by(review_items.c.queue)
    )
    return [(queue, int(count)) for queue, count in conn.execute(query)]


def open_review_items(conn: Connection, limit: int = 50) -> list[RowMapping]:
    query = (
        select(review_items)
        .where(review_items.c.status == "open")
        .order_by(review_items.c.created_at, review_items.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def _entries_in_effect(list_ids: Sequence[str], on: date) -> Any:
    return and_(
        list_entries.c.list_id.in_(list(list_ids)),
        list_entries.c.status != "ended",
        list_entries.c.effective_on <= on,
        list_entries.c.ends_on > on,
    )


def list_entries_in_effect(
    conn: Connection, list_id: str, on: date, offset: int, limit: int
) -> list[RowMapping]:
    """A public list's entries in effect on ``on``, with each subject's name and identifiers
    (the caller masks resident IDs)."""
    query = (
        select(
            list_entries.c.id,
            list_entries.c.record_ids,
            list_entries.c.effective_on,
            list_entries.c.ends_on,
            subjects.c.id.label("subject_id"),
            subjects.c.kind,
            subjects.c.display_name,
            _ric_of(),
            _uscc_of(),
        )
        .join(subjects, subjects.c.id == list_entries.c.subject_id)
        .where(_entries_in_effect([list_id], on))
        .order_by(list_entries.c.effective_on.desc(), list_entries.c.id)
        .offset(offset)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def list_entry_count(conn: Connection, list_id: str, on: date) -> int:
    query = select(func.count()).select_from(list_entries).where(_entries_in_effect([list_id], on))
    return int(conn.execute(query).scalar_one())


def subject_list_entries(
    conn: Connection, subject_id: int, list_ids: Sequence[str], on: date
) -> list[RowMapping]:
    query = (
        select(list_entries)
        .where(list_entries.c.subject_id == subject_id, _entries_in_effect(list_ids, on))
        .order_by(list_entries.c.effective_on.desc())
    )
    return list(conn.execute(query).mappings())


def payloads_of_records(conn: Connection, record_ids: Sequence[str]) -> dict[str, Any]:
    """record_id -> payload, for the records behind list entries."""
    found: dict[str, Any] = {}
    for part in chunks(list(set(record_ids)), 900):
        query = select(record_statements.c.record_id, record_statements.c.payload).where(
            record_statements.c.record_id.in_(part)
        )
        found.update({record_id: payload for record_id, payload in conn.execute(query)})
    return found


def rating_states(
    conn: Connection, subject_id: int, rating_keys: Sequence[str]
) -> list[RowMapping]:
    query = (
        select(rating_state)
        .where(
            rating_state.c.subject_id == subject_id,
            rating_state.c.rating_key.in_(list(rating_keys)),
        )
        .order_by(rating_state.c.rating_key)
    )
    return list(conn.execute(query).mappings())


def bands_by_rating(conn: Connection) -> list[tuple[str, str, int]]:
    """(rating key, band, subjects) from the current rating state."""
    query = (
        select(rating_state.c.rating_key, rating_state.c.band, func.count())
        .group_by(rating_state.c.rating_key, rating_state.c.band)
        .order_by(rating_state.c.rating_key, rating_state.c.band)
    )
    return [(key, band, int(n)) for key, band, n in conn.execute(query)]


def list_sizes(conn: Connection, on: date) -> list[tuple[str, int]]:
    query = (
        select(list_entries.c.list_id, func.count())
        .where(
            list_entries.c.status != "ended",
            list_entries.c.effective_on <= on,
            list_entries.c.ends_on > on,
        )
        .group_by(list_entries.c.list_id)
        .order_by(list_entries.c.list_id)
    )
    return [(list_id, int(n)) for list_id, n in conn.execute(query)]


def list_flows_by_year(conn: Connection) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Entries that took effect, and entries that ended, per year."""
    start = func.extract("year", list_entries.c.effective_on)
    end = func.extract("year", list_entries.c.ends_on)
    inflow = select(start, func.count()).group_by(start).order_by(start)
    outflow = (
        select(end, func.count())
        .where(list_entries.c.status == "ended")
        .group_by(end)
        .order_by(end)
    )
    return (
        [(int(y), int(n)) for y, n in conn.execute(inflow)],
        [(int(y), int(n)) for y, n in conn.execute(outflow)],
    )


def open_dispute_deadlines(conn: Connection) -> list[datetime]:
    query = select(disputes.c.deadline_at).where(disputes.c.status == "open")
    return [row[0] for row in conn.execute(query)]


def search_persons_on_lists(
    conn: Connection, text: str, list_ids: Sequence[str], on: date, limit: int = 50
) -> list[RowMapping]:
    """Persons by part of their name, only while they have an entry in effect on one of
    ``list_ids`` (the public lists): nobody else is findable by name."""
    listed = select(list_entries.c.subject_id).where(_entries_in_effect(list_ids, on))
    return _persons_named(conn, text, listed, limit)


def _persons_named(conn: Connection, text: str, among: Any, limit: int) -> list[RowMapping]:
    """Persons whose name contains ``text``, only among the subjects of ``among``."""
    pattern = f"%{_escape_like(text.lower())}%"
    query = (
        select(subjects.c.id, subjects.c.display_name, _ric_of())
        .where(
            subjects.c.kind == "person",
            func.lower(subjects.c.display_name).like(pattern, escape="\\"),
            subjects.c.id.in_(among),
        )
        .order_by(subjects.c.display_name, subjects.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())
