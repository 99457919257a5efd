"""Looking subjects up by identifier (never by name alone)."""

from __future__ import annotations

from datetime import datetime
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
