"""The few reads the demo build needs, through the domains' public queries: records in effect
(final decisions, ``credo.records.queries.final_in_effect``) and who their subjects are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from credo.records.queries import CurrentRecord, final_in_effect
from credo.subjects import service as subjects


def subject_count(conn: Connection) -> int:
    return sum(count for _, count in subjects.counts_by_kind(conn))


def person_with_effective_record(conn: Connection, record_type: str, on: date) -> int | None:
    """A person with a record of ``record_type`` in effect on ``on`` (the demo subject, who
    has something worth disputing)."""
    # The oldest determination still in force: its list entry is past its notice period.
    found = sorted(
        final_in_effect(conn, [record_type], on), key=lambda r: (r.effective_from, r.subject_id)
    )
    kinds = subjects.subject_kinds(conn, {r.subject_id for r in found})
    return next((r.subject_id for r in found if kinds.get(r.subject_id) == "person"), None)


def records_in_effect(
    conn: Connection, record_types: Sequence[str], on: date, limit: int
) -> list[CurrentRecord]:
    """Records of ``record_types`` in effect on ``on``, in a stable order (dispute and repair
    candidates for the demo)."""
    return sorted(final_in_effect(conn, record_types, on), key=lambda r: r.chain_id)[:limit]


@dataclass(frozen=True, slots=True)
class ListedRecord:
    """A record on a furnisher's list, with its subject as the list names it."""

    source_ref: str
    occurred_on: date
    term_ends_on: date | None
    payload: dict[str, Any]
    kind: str
    display_name: str | None
    scheme: str  # the subject's first identifier scheme (in text order), and its value
    value: str


def entries_in_effect(conn: Connection, record_type: str, on: date) -> list[ListedRecord]:
    """Records of ``record_type`` in effect on ``on`` with their subject's first identifier
    (a furnisher's current list on that day); a subject without identifiers is left out."""
    records = final_in_effect(conn, [record_type], on)
    cards = subjects.cards(conn, sorted({r.subject_id for r in records}))
    listed = []
    for record in sorted(records, key=lambda r: r.source_ref):
        card = cards.get(record.subject_id)
        if card is None or not card.identifiers:
            continue
        scheme = min(card.identifiers)
        listed.append(
            ListedRecord(
                record.source_ref,
                record.occurred_on,
                record.term_ends_on,
                record.payload,
                card.kind,
                card.display_name,
                scheme,
                card.identifiers[scheme],
            )
        )
    return listed
