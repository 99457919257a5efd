"""What due process reads of the packages below it, through their public functions: inquiries
and decisions (credo.checks), list entries (credo.lists) and ratings (credo.ratings)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.checks.service import decisions_about
from credo.checks.service import inquiries_of as checks_inquiries_of
from credo.lists.service import entries_on
from credo.ratings.queries import states_of_subject


@dataclass(frozen=True)
class Recipient:
    """A relying party that received a decision relying on a record (G-30)."""

    relying_party_id: str
    decision_id: str
    purpose: str
    decided_at: datetime


def recipients_of_records(
    conn: Connection,
    catalogue: Catalogue,
    subject_id: int,
    record_type: str,
    record_ids: Iterable[str],
    since: datetime | None,
) -> list[Recipient]:
    """Every relying party whose decision about this subject, since ``since`` (None: ever),
    relied on the record: the decision names one of ``record_ids`` (any revision), or it
    applied a measure triggered by a list that reads records of this type. The inquiry log
    keeps measure ids; decisions are derived from records deterministically (G-16), so a
    measure whose lists read this record type was applied because of such records."""
    wanted = set(record_ids)
    measures = _measures_reading(catalogue, record_type)
    found = []
    for decision in decisions_about(conn, subject_id, since):
        named = set(_strings_in(decision.measures))
        if named & wanted or named & measures:
            found.append(
                Recipient(decision.relying_party_id, decision.id, decision.purpose, decision.at)
            )
    return found


def _measures_reading(catalogue: Catalogue, record_type: str) -> set[str]:
    lists = {
        list_id
        for list_id, list_def in catalogue.lists.items()
        if record_type in list_def.entry.record_types
    }
    return {
        measure_id
        for measure_id, measure in catalogue.measures.items()
        if lists & set(measure.triggered_by)
    }


def _strings_in(value: Any) -> Iterable[str]:
    """Every string inside a JSON value: decisions name records at varying depths."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings_in(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings_in(item)


def inquiries_of(conn: Connection, subject_id: int) -> list[dict[str, Any]]:
    """Who looked, when, for what purpose, with what outcome (G-24). The checks package's
    own query also finds inquiries asked under an identifier that resolved to no one."""
    return [
        {
            "decision_id": row["id"],
            "at": row["at"],
            "relying_party_id": row["relying_party_id"],
            "purpose": row["purpose"],
            "outcome": row["outcome"],
            "as_of": row.get("as_of"),  # a check about a past date (credo.checks.past)
        }
        for row in checks_inquiries_of(conn, subject_id)
    ]


def ratings_of(conn: Connection, subject_id: int) -> list[dict[str, Any]]:
    """Every rating held about the subject, with the features that explain it."""
    return [
        {
            "rating": state.rating_key,
            "band": state.band,
            "total": state.total,
            "as_of": state.as_of,
            "reason": state.reason,  # why not rated or pending (credo.ratings.banding)
            "explanation": state.features,
        }
        for state in states_of_subject(conn, subject_id)
    ]


def list_entries_of(
    conn: Connection, catalogue: Catalogue, subject_id: int, on: date
) -> list[dict[str, Any]]:
    """Every list entry of the subject on ``on`` with its legal basis, term and exit path."""
    found = []
    for entry, status in entries_on(conn, catalogue, subject_id, on):
        list_def = catalogue.lists.get(entry.list_id)
        found.append(
            {
                "entry_id": entry.id,
                "list": entry.list_id,
                "name": list_def.name.model_dump() if list_def else None,
                "legal_basis": list_def.legal_basis.model_dump() if list_def else None,
                "status": status,
                "starts_on": entry.starts_on,
                "effective_on": entry.effective_on,
                "ends_on": entry.ends_on,
                "end_reason": entry.end_reason,
                "record_ids": [r.record_id for r in entry.records],
                "exit": _exit_path(list_def),
            }
        )
    return found


def _exit_path(list_def: Any) -> Any:
    if list_def is None:
        return None
    for name in ("exit", "exit_rules", "exit_conditions"):
        value = getattr(list_def, name, None)
        if value is not None:
            return value.model_dump() if hasattr(value, "model_dump") else value
    return None
