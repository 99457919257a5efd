"""Looking subjects up by identifier (never by name alone)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from credo.audit import service as audit
from credo.catalog.catalogue import Catalogue
from credo.errors import Conflict, NotFound, ValidationFailed
from credo.subjects import repository
from credo.subjects.identifiers import IdentifierError, check_identifier


def resolve_identifier(conn: Connection, catalogue: Catalogue, scheme: str, value: str) -> int:
    """The id of the subject with this identifier, or NotFound."""
    try:
        checked = check_identifier(catalogue, scheme, value)
    except IdentifierError as exc:
        raise ValidationFailed(str(exc), code=exc.code) from exc
    found = repository.find_subject_ids(conn, [(checked.scheme, checked.value)])
    subject_id = found.get((checked.scheme, checked.value))
    if subject_id is None:
        raise NotFound(f"no subject with {scheme} {value}")
    return subject_id


def subject_summary(conn: Connection, subject_id: int) -> dict[str, Any]:
    subject = repository.get_subject(conn, subject_id)
    if subject is None:
        raise NotFound(f"no subject {subject_id}")
    return {
        "id": subject["id"],
        "kind": subject["kind"],
        "name": subject["display_name"],
        "birth_date": subject["birth_date"].isoformat() if subject["birth_date"] else None,
        "identifiers": [
            {"scheme": i["scheme"], "value": i["value"], "check_ok": i["check_ok"]}
            for i in repository.identifiers_of(conn, subject_id)
        ],
    }


def parse_subject_ref(ref: str) -> tuple[str, str]:
    """``SCHEME:VALUE`` as written on the command line and in URLs."""
    scheme, sep, value = ref.partition(":")
    if not sep or not scheme or not value:
        raise ValidationFailed(f"{ref!r} is not SCHEME:VALUE (for example cn_uscc:9111...)")
    return scheme, value


def resolve_review_item(
    conn: Connection, item_id: int, operator_id: str, resolution: str, now: datetime
) -> None:
    """An operator decides an identity review item, with reasons, and the log says who."""
    if len(resolution.strip()) < 5:
        raise ValidationFailed("a decision needs its reasons (at least 5 characters)")
    if not repository.resolve_review_item(conn, item_id, operator_id, resolution, now):
        raise Conflict(f"review item {item_id} is not open")
    payload = {"item_id": item_id, "resolution": resolution}
    audit.append(conn, f"operator:{operator_id}", "review.resolve", None, payload, now)


# -- what other packages read about subjects, as plain values --------------------------------


def find_subject_ids(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """(scheme, value) -> subject id, for every key that is known."""
    return repository.find_subject_ids(conn, keys)


def identifier_keys(conn: Connection, subject_ids: Sequence[int]) -> dict[int, list[str]]:
    """subject id -> its identifiers as ``scheme:value`` (subjects without one are absent)."""
    found: dict[int, list[str]] = {}
    for subject_id, scheme, value in repository.identifiers_of_subjects(conn, subject_ids):
        found.setdefault(subject_id, []).append(f"{scheme}:{value}")
    return found


def first_identifiers(conn: Connection, subject_ids: Sequence[int]) -> dict[int, str]:
    """subject id -> its first identifier as ``scheme:value`` (in text order): the one a
    register shows."""
    return repository.first_identifiers(conn, subject_ids)


def kinds_and_birth_dates(
    conn: Connection, subject_ids: Sequence[int]
) -> dict[int, tuple[str, date | None]]:
    """subject id -> (kind, birth date) of the subjects that exist."""
    return repository.kinds_and_birth_dates(conn, subject_ids)


@dataclass(frozen=True)
class SubjectCard:
    """What a public register or an export shows of a subject: its kind, its name and its
    identifiers (scheme -> value; the first value in text order where a scheme has several)."""

    kind: str
    display_name: str | None
    identifiers: dict[str, str]


def cards(conn: Connection, subject_ids: Sequence[int]) -> dict[int, SubjectCard]:
    """subject id -> its card, for the subjects that exist."""
    identifiers: dict[int, dict[str, str]] = {}
    for subject_id, scheme, value in sorted(repository.identifiers_of_subjects(conn, subject_ids)):
        identifiers.setdefault(subject_id, {}).setdefault(scheme, value)
    return {
        subject_id: SubjectCard(kind, name, identifiers.get(subject_id, {}))
        for subject_id, (kind, name) in repository.kinds_and_names(conn, subject_ids).items()
    }
