"""Looking subjects up by identifier (never by name alone)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
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


def identifiers_by_subject(
    conn: Connection, subject_ids: Iterable[int]
) -> dict[int, list[tuple[str, str]]]:
    """subject id -> its (scheme, value) pairs, checked ones first, then in text order
    (subjects without one are absent). A statement about a subject names it by these: identity
    is resolved by identifier only."""
    found: dict[int, list[tuple[str, str]]] = {}
    for subject_id, scheme, value in repository.identifiers_of_subjects(conn, list(subject_ids)):
        found.setdefault(subject_id, []).append((scheme, value))
    return found


def identifier_keys(conn: Connection, subject_ids: Sequence[int]) -> dict[int, list[str]]:
    """subject id -> its identifiers as ``scheme:value`` (subjects without one are absent)."""
    return {
        subject_id: [f"{scheme}:{value}" for scheme, value in pairs]
        for subject_id, pairs in identifiers_by_subject(conn, subject_ids).items()
    }


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


def subject_kinds(conn: Connection, subject_ids: Iterable[int]) -> dict[int, str]:
    """subject id -> kind (person, company ...) of the subjects that exist."""
    return repository.subject_kinds(conn, subject_ids)


# -- registering subjects (the write path, bulk loaders) --------------------------------------


def create_subjects(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Register subjects (``kind``, ``display_name``, ``birth_date``, ``created_at`` each);
    their new ids, in the order given."""
    return repository.create_subjects(conn, rows)


def add_identifiers(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Attach identifiers (``scheme``, ``value``, ``subject_id``, ``check_ok``, ``created_at``
    each); one already held is left as it is."""
    repository.add_identifiers(conn, rows)


def queue_for_review(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Queue identity questions for an operator (the columns of ``ReviewItem`` less the
    resolution); ``dedupe_key`` keeps a re-run from doubling them."""
    repository.add_review_items(conn, rows)


class ReviewItem(BaseModel):
    """An identity question held for an operator (G-19, G-40)."""

    id: int
    queue: str
    reason_code: str
    detail: str
    subject_id: int | None
    dedupe_key: str | None
    payload: dict[str, Any] | None
    status: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None


def open_review_items(
    conn: Connection, queue: str | None = None, limit: int = 100
) -> list[ReviewItem]:
    """The open items (of ``queue``, or every queue), oldest first."""
    return [
        ReviewItem.model_validate(dict(row))
        for row in repository.open_review_items(conn, queue, limit)
    ]


# -- what the public register and the console read --------------------------------------------


def search(
    conn: Connection,
    text: str,
    kinds: Sequence[str],
    *,
    among: Sequence[int] | None = None,
    by_identifier: bool = False,
    limit: int = 50,
) -> list[int]:
    """The ids of the subjects of ``kinds`` whose name holds ``text`` (any case; the text is
    never a pattern), or, ``by_identifier``, who hold an identifier equal to it; only
    ``among`` these when given. By name, then id; at most ``limit``."""
    return [s for _, s in repository.search(conn, text, kinds, among, by_identifier, limit)]


def counts_by_kind(conn: Connection) -> list[tuple[str, int]]:
    """(kind, subjects), by kind."""
    return repository.counts_by_kind(conn)


def open_review_counts(conn: Connection) -> list[tuple[str, int]]:
    """(queue, open review items), by queue."""
    return repository.open_review_counts(conn)


# -- retention (credo.records.retention) -----------------------------------------------------


def identified_subjects(
    conn: Connection, after: int, limit: int, registered_before: datetime
) -> list[tuple[int, bool]]:
    """(subject id, registered before ``registered_before``) of up to ``limit`` subjects that
    still have an identifier, with ids above ``after``, ascending."""
    return repository.identified_subjects(conn, after, limit, registered_before)


def forget_subjects(conn: Connection, subject_ids: Sequence[int]) -> int:
    """Remove the subjects' identifiers, name and birth date, and the identifiers held in
    their identity-review items; the subject rows stay (the tombstones name them by id).
    The identifiers removed."""
    return repository.forget_subjects(conn, subject_ids)


def id_range(conn: Connection) -> tuple[int, int]:
    """(lowest, highest) subject id, from the primary key ((0, 0) when there is none): the
    span a batch rating partitions."""
    return repository.id_range(conn)
