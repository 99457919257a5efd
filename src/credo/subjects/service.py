"""Looking subjects up by identifier (never by name alone)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.errors import NotFound, ValidationFailed
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
