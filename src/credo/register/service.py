"""The public register as one read model: organisations and the public bodies with their
public records, ratings and list entries; the persons findable by name only while they are on
a public list; the lines of the defaulter list. Every identity number leaves here in its
public form (a person's masked), and only final decisions in effect are published.

It joins the domains through their public functions (``credo.subjects.service``,
``credo.records.queries``, ``credo.lists.queries`` and ``credo.lists.service``,
``credo.ratings.queries``); it has no tables and no SQL of its own."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.catalog.lists import ListDef
from credo.catalog.models import RecordType
from credo.catalog.vocab import EvidenceKind
from credo.lists import queries as lists_queries
from credo.lists import service as lists_service
from credo.ratings import queries as ratings_queries
from credo.ratings.queries import RatingState
from credo.records import queries as records_queries
from credo.records.queries import CurrentRecord
from credo.subjects import service as subjects
from credo.subjects.identifiers import PERSON_SCHEMES, mask_identifier
from credo.subjects.service import SubjectCard

# Only these are published as organisations: a sole trader is a person, identified by a
# resident number, and their business records are never shown as a company's (G-46).
ORGANISATION_KINDS = ("organisation", "public_body")
PERSON = "person"
SEARCH_LIMIT = 50
NONE_SHOWN = "—"
# A run of digits (and X, the check character) long enough to hold a resident ID.
LONG_NUMBER = re.compile(r"[0-9Xx]{18,}")


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation or public body as the register shows it: every identifier (an
    organisation's are public), the first of them in ``identifier``."""

    id: int
    kind: str
    display_name: str | None
    identifier: str
    identifiers: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ListedPerson:
    """A person found by name while on a public list, their number masked."""

    id: int
    display_name: str | None
    identifier: str


@dataclass(frozen=True, slots=True)
class OrganisationFile:
    """What the register publishes about one organisation."""

    organisation: Organisation
    records: list[CurrentRecord]  # public types, final, in effect; newest first
    ratings: list[RatingState]  # public ratings
    entries: list[lists_queries.StoredEntry]  # on public lists, in effect; newest first


@dataclass(frozen=True, slots=True)
class Line:
    """One public line of the defaulter list: who (a person's number masked), the payload of
    the record behind it, and from when until when it is published."""

    subject_id: int
    kind: str
    display_name: str | None
    identifier: str
    payload: Mapping[str, Any]
    since: date
    until: date


@dataclass(frozen=True, slots=True)
class DefaulterPage:
    """A page of the defaulter list: the catalogue's public list of defaulter determinations
    (``list_def``), or where it publishes none, the determinations themselves in effect (of
    ``record_type``)."""

    list_def: ListDef | None
    record_type: RecordType | None
    total: int
    lines: list[Line]


# -- what is public, as the catalogue says ----------------------------------------------------


def public_record_types(catalogue: Catalogue) -> list[str]:
    return [rt.id for rt in catalogue.record_types.values() if rt.public]


def public_rating_keys(catalogue: Catalogue) -> list[str]:
    return [r.key for r in catalogue.ratings.values() if r.public]


def public_list_ids(catalogue: Catalogue) -> list[str]:
    return [list_def.id for list_def in lists_service.public_lists(catalogue)]


def defaulter_types(catalogue: Catalogue) -> list[str]:
    """The public record types whose evidence is a defaulter determination."""
    public = public_record_types(catalogue)
    return [
        type_id
        for type_id in public
        if EvidenceKind.DEFAULTER_DETERMINATION in catalogue.record_types[type_id].evidence_kind
    ]


def defaulter_list(catalogue: Catalogue) -> ListDef | None:
    """The first public list that defaulter determinations enter, if the catalogue has one."""
    types = set(defaulter_types(catalogue))
    for list_def in lists_service.public_lists(catalogue):
        if types & set(list_def.entry.record_types):
            return list_def
    return None


# -- public forms -------------------------------------------------------------------------


def shown_identifier(kind: str, identifiers: Mapping[str, str]) -> str:
    """The identifier the register shows of a subject: a person's resident number masked,
    an organisation's first identifier in full (also what ``credo.exports`` writes)."""
    for scheme, value in identifiers.items():
        if kind != PERSON:
            return value
        if scheme in PERSON_SCHEMES:
            return mask_identifier(scheme, value)
    return NONE_SHOWN


def mask_text(value: Any) -> str:
    """Belt and braces for public text: any run of digits that could hold a resident ID,
    even glued to other digits, keeps only its first 6 and last 4 characters."""
    return LONG_NUMBER.sub(_mask_run, str(value))


def _mask_run(match: re.Match[str]) -> str:
    run = match.group(0)
    if sum(c.isdigit() for c in run) < 17:
        return run
    return run[:6] + "*" * (len(run) - 10) + run[-4:]


def payloads_of_records(conn: Connection, record_ids: Sequence[str]) -> dict[str, Any]:
    """record id -> payload, for the records behind list entries."""
    return records_queries.payloads_of_records(conn, record_ids)


def entry_payload(record_ids: Sequence[str] | None, payloads: Mapping[str, Any]) -> dict[str, Any]:
    """The payload a list line shows: that of its first record that has one."""
    for record_id in record_ids or ():
        if payloads.get(record_id):
            return dict(payloads[record_id])
    return {}


# -- queries ------------------------------------------------------------------------------


def search_organisations(conn: Connection, text: str) -> list[Organisation]:
    """Organisations and public bodies by part of their name or by an exact identifier."""
    ids = subjects.search(conn, text, ORGANISATION_KINDS, by_identifier=True, limit=SEARCH_LIMIT)
    cards = subjects.cards(conn, ids)
    return [_organisation(i, cards[i]) for i in ids if i in cards]


def search_listed_persons(
    conn: Connection, catalogue: Catalogue, text: str, on: date
) -> list[ListedPerson]:
    """Persons by part of their name, only while they are on a public list on ``on`` (or,
    where the catalogue publishes no list, while a defaulter determination about them is in
    effect): nobody else is findable by name."""
    public = public_list_ids(catalogue)
    listed = (
        lists_queries.listed_subjects(conn, public, on)
        if public
        else records_queries.subjects_with_final_in_effect(conn, defaulter_types(catalogue), on)
    )
    if not listed:
        return []
    ids = subjects.search(conn, text, (PERSON,), among=sorted(listed), limit=SEARCH_LIMIT)
    cards = subjects.cards(conn, ids)
    return [
        ListedPerson(i, cards[i].display_name, shown_identifier(PERSON, cards[i].identifiers))
        for i in ids
        if i in cards
    ]


def organisation_file(
    conn: Connection, catalogue: Catalogue, subject_id: int, on: date
) -> OrganisationFile | None:
    """What is public about an organisation or public body; None for anyone else."""
    card = subjects.cards(conn, [subject_id]).get(subject_id)
    if card is None or card.kind not in ORGANISATION_KINDS:
        return None
    records = records_queries.final_in_effect(
        conn, public_record_types(catalogue), on, subject_id=subject_id
    )
    ratings = ratings_queries.states_of_subject(conn, subject_id, public_rating_keys(catalogue))
    entries = lists_queries.entries_of_subjects(
        conn, [subject_id], on, "open", list_ids=public_list_ids(catalogue)
    )
    newest = sorted(entries, key=lambda e: e.effective_on, reverse=True)
    return OrganisationFile(_organisation(subject_id, card), records, ratings, newest)


def defaulters(
    conn: Connection, catalogue: Catalogue, on: date, offset: int, limit: int
) -> DefaulterPage:
    """A page of the defaulter list in effect on ``on``, newest first."""
    list_def = defaulter_list(catalogue)
    if list_def is not None:
        total = lists_queries.entry_count(conn, list_def.id, on)
        entries = lists_queries.entries_of_list(
            conn, list_def.id, on, offset=offset, limit=limit, newest_first=True
        )
        payloads = payloads_of_records(conn, [r for e in entries for r in e.record_ids])
        found = [
            (e.subject_id, entry_payload(e.record_ids, payloads), e.effective_on, e.ends_on)
            for e in entries
        ]
        return DefaulterPage(list_def, None, total, _lines(conn, found))
    types = defaulter_types(catalogue)
    total = records_queries.final_in_effect_count(conn, types, on) if types else 0
    records = (
        records_queries.final_in_effect(conn, types, on, offset=offset, limit=limit)
        if types
        else []
    )
    found = [(r.subject_id, r.payload, r.effective_from, r.effect_until) for r in records]
    record_type = catalogue.record_types[types[0]] if types else None
    return DefaulterPage(None, record_type, total, _lines(conn, found))


def _lines(
    conn: Connection, found: Sequence[tuple[int, Mapping[str, Any], date, date]]
) -> list[Line]:
    cards = subjects.cards(conn, [subject_id for subject_id, *_ in found])
    lines = []
    for subject_id, payload, since, until in found:
        card = cards.get(subject_id) or SubjectCard(PERSON, None, {})
        identifier = shown_identifier(card.kind, card.identifiers)
        lines.append(
            Line(subject_id, card.kind, card.display_name, identifier, payload or {}, since, until)
        )
    return lines


def _organisation(subject_id: int, card: SubjectCard) -> Organisation:
    return Organisation(
        subject_id,
        card.kind,
        card.display_name,
        shown_identifier(card.kind, card.identifiers),
        tuple(sorted(card.identifiers.items())),
    )
