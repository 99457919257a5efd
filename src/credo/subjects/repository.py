"""All SQL about subjects, identifiers and the review queue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, exists, func, null, or_, select

from credo.db.bulk import pair_clauses
from credo.db.sql import chunks, insert_ignore, rows_where
from credo.subjects.tables import review_items, subject_identifiers, subjects


def find_subject_ids(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Map (scheme, value) to subject id for every key that is known."""
    found: dict[tuple[str, str], int] = {}
    columns = (subject_identifiers.c.scheme, subject_identifiers.c.value)
    for clause in pair_clauses(conn, *columns, keys):
        rows = conn.execute(select(*columns, subject_identifiers.c.subject_id).where(clause))
        for scheme, value, subject_id in rows:
            found[(scheme, value)] = subject_id
    return found


def subject_kinds(conn: Connection, subject_ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(subject_ids))
    kinds: dict[int, str] = {}
    for part in chunks(ids, 900):
        for subject_id, kind in conn.execute(
            select(subjects.c.id, subjects.c.kind).where(subjects.c.id.in_(part))
        ):
            kinds[subject_id] = kind
    return kinds


def create_subjects(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert subjects and return their new ids, in the order given."""
    if not rows:
        return []
    result = conn.execute(
        subjects.insert().returning(subjects.c.id, sort_by_parameter_order=True), rows
    )
    return [row[0] for row in result]


def add_identifiers(conn: Connection, rows: list[dict[str, Any]]) -> None:
    insert_ignore(conn, subject_identifiers, rows)


def get_subject(conn: Connection, subject_id: int) -> RowMapping | None:
    return conn.execute(select(subjects).where(subjects.c.id == subject_id)).mappings().first()


def identifiers_of(conn: Connection, subject_id: int) -> list[RowMapping]:
    i = subject_identifiers.c
    return rows_where(conn, subject_identifiers, i.subject_id == subject_id, i.scheme)


def add_review_items(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Queue items for human review; ``dedupe_key`` keeps a re-run from doubling them."""
    insert_ignore(conn, review_items, rows)


def open_review_items(
    conn: Connection, queue: str | None = None, limit: int = 100
) -> list[RowMapping]:
    query = select(review_items).where(review_items.c.status == "open")
    if queue:
        query = query.where(review_items.c.queue == queue)
    return list(conn.execute(query.order_by(review_items.c.id).limit(limit)).mappings())


def resolve_review_item(
    conn: Connection, item_id: int, by: str, resolution: str, at: datetime
) -> bool:
    result = conn.execute(
        review_items.update()
        .where(review_items.c.id == item_id, review_items.c.status == "open")
        .values(status="resolved", resolved_by=by, resolution=resolution, resolved_at=at)
    )
    return result.rowcount == 1


def birth_dates(conn: Connection, subject_ids: Iterable[int]) -> dict[int, date | None]:
    ids = list(set(subject_ids))
    out: dict[int, date | None] = {}
    for part in chunks(ids, 900):
        for subject_id, born in conn.execute(
            select(subjects.c.id, subjects.c.birth_date).where(subjects.c.id.in_(part))
        ):
            out[subject_id] = born
    return out


def identifier_column(scheme: str, label: str) -> Any:
    """The subject's identifier of ``scheme`` as a scalar column labelled ``label``, for
    queries over ``subjects`` (the public register and the exports show a company's USCC and,
    masked, a person's resident ID)."""
    return (
        select(subject_identifiers.c.value)
        .where(
            subject_identifiers.c.subject_id == subjects.c.id,
            subject_identifiers.c.scheme == scheme,
        )
        .limit(1)
        .scalar_subquery()
        .label(label)
    )


def identifiers_of_subjects(
    conn: Connection, subject_ids: Sequence[int]
) -> list[tuple[int, str, str]]:
    """(subject id, scheme, value) of the given subjects, each subject's checked identifiers
    first, then in text order."""
    i = subject_identifiers.c
    found: list[tuple[int, str, str]] = []
    for part in chunks(sorted(set(subject_ids)), 900):
        query = (
            select(i.subject_id, i.scheme, i.value)
            .where(i.subject_id.in_(part))
            .order_by(i.subject_id, i.check_ok.desc(), i.scheme, i.value)
        )
        found += [(row[0], row[1], row[2]) for row in conn.execute(query)]
    return found


def first_identifiers(conn: Connection, subject_ids: Sequence[int]) -> dict[int, str]:
    """subject id -> its first identifier as ``scheme:value`` (in text order)."""
    i = subject_identifiers.c
    found: dict[int, str] = {}
    for part in chunks(sorted(set(subject_ids)), 900):
        query = (
            select(i.subject_id, func.min(i.scheme + ":" + i.value))
            .where(i.subject_id.in_(part))
            .group_by(i.subject_id)
        )
        found.update({subject_id: key for subject_id, key in conn.execute(query)})
    return found


def kinds_and_birth_dates(
    conn: Connection, subject_ids: Sequence[int]
) -> dict[int, tuple[str, date | None]]:
    found: dict[int, tuple[str, date | None]] = {}
    for part in chunks(list(subject_ids), 900):
        query = select(subjects.c.id, subjects.c.kind, subjects.c.birth_date).where(
            subjects.c.id.in_(part)
        )
        found.update({subject_id: (kind, born) for subject_id, kind, born in conn.execute(query)})
    return found


def kinds_and_names(
    conn: Connection, subject_ids: Sequence[int]
) -> dict[int, tuple[str, str | None]]:
    found: dict[int, tuple[str, str | None]] = {}
    for part in chunks(sorted(set(subject_ids)), 900):
        query = select(subjects.c.id, subjects.c.kind, subjects.c.display_name).where(
            subjects.c.id.in_(part)
        )
        found.update({subject_id: (kind, name) for subject_id, kind, name in conn.execute(query)})
    return found


def search(
    conn: Connection,
    text: str,
    kinds: Sequence[str],
    among: Sequence[int] | None,
    by_identifier: bool,
    limit: int,
) -> list[tuple[str, int]]:
    """(name, id) of the subjects of ``kinds`` whose name holds ``text`` (any case), or, with
    ``by_identifier``, who hold an identifier equal to it; only ``among`` these ids when
    given. By name and id, at most ``limit``."""
    s, i = subjects.c, subject_identifiers.c
    pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    named: Any = func.lower(s.display_name).like(pattern + "%", escape="\\")
    if by_identifier:
        holders = select(i.subject_id).where(i.value == text.strip().upper())
        named = or_(named, s.id.in_(holders))
    query = select(s.display_name, s.id).where(s.kind.in_(list(kinds)), named)
    parts = [None] if among is None else chunks(sorted(set(among)), 900)
    found: list[tuple[str, int]] = []
    for part in parts:
        bounded = query if part is None else query.where(s.id.in_(part))
        found += [(name, subject_id) for name, subject_id in conn.execute(
            bounded.order_by(s.display_name, s.id).limit(limit)
        )]  # fmt: skip
    if len(parts) > 1:  # merge the parts' pages (one part keeps the database's order)
        found.sort(key=lambda pair: (pair[0] or "", pair[1]))
    return found[:limit]


def counts_by_kind(conn: Connection) -> list[tuple[str, int]]:
    query = (
        select(subjects.c.kind, func.count()).group_by(subjects.c.kind).order_by(subjects.c.kind)
    )
    return [(kind, int(count)) for kind, count in conn.execute(query)]


def open_review_counts(conn: Connection) -> list[tuple[str, int]]:
    r = review_items.c
    query = (
        select(r.queue, func.count()).where(r.status == "open").group_by(r.queue).order_by(r.queue)
    )
    return [(queue, int(count)) for queue, count in conn.execute(query)]


# -- retention (credo.records.retention) -----------------------------------------------------


def identified_subjects(
    conn: Connection, after: int, limit: int, registered_before: datetime
) -> list[tuple[int, bool]]:
    """(subject id, registered before ``registered_before``) of up to ``limit`` subjects that
    still have an identifier, with ids above ``after``, ascending."""
    i, s = subject_identifiers.c, subjects.c
    query = (
        select(s.id, s.created_at < registered_before)
        .where(s.id > after, exists().where(i.subject_id == s.id))
        .order_by(s.id)
        .limit(limit)
    )
    return [(int(subject_id), bool(old)) for subject_id, old in conn.execute(query)]


def forget_subjects(conn: Connection, subject_ids: Sequence[int]) -> int:
    """Remove the subjects' identifiers, name and birth date, and the identifiers held in
    their identity-review items; the subject rows stay. The identifiers removed."""
    removed = 0
    for part in chunks(list(subject_ids), 900):
        removed += conn.execute(
            subject_identifiers.delete().where(subject_identifiers.c.subject_id.in_(part))
        ).rowcount
        conn.execute(
            subjects.update()
            .where(subjects.c.id.in_(part))
            .values(display_name=None, birth_date=None)
        )
        conn.execute(
            review_items.update()
            .where(review_items.c.subject_id.in_(part))
            .values(payload=null(), detail="erased at the subject's retention end")
        )
    return removed


def id_range(conn: Connection) -> tuple[int, int]:
    low, high = conn.execute(select(func.min(subjects.c.id), func.max(subjects.c.id))).one()
    return int(low or 0), int(high or 0)
