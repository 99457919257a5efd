"""All SQL of lists: the materialised list entries (the records and subjects behind them are
read through their owners' public functions, in ``credo.lists.service``)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, func, or_, select, true

from credo.db.sql import chunks, stream, upsert
from credo.lists.tables import list_entries

WITHDRAWN = "records_withdrawn"  # the end of an entry whose records no longer support it
ENTRY_UPDATE = [
    c.name for c in list_entries.columns if c.name not in ("id", "proposed_at", "notified_at")
]


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


def open_entry_starts(conn: Connection, subject_ids: set[int]) -> dict[str, date]:
    """entry id -> start of every stored open entry of these subjects."""
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
    keeps its start, as ``service.entries_for`` reads it per subject."""
    if not list_ids:
        return {}
    query = select(list_entries.c.id, list_entries.c.starts_on).where(
        list_entries.c.list_id.in_(list(list_ids)), list_entries.c.status != "ended"
    )
    return {entry_id: start for entry_id, start in conn.execute(query)}


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


def entries_held_on(
    conn: Connection, list_id: str, on: date, today: date, after: str, chunk: int
) -> Iterator[list[dict[str, Any]]]:
    e = list_entries.c
    standing = "open" if on >= today else "not_withdrawn"
    query = (
        select(e.id, e.subject_id, e.record_ids, e.effective_on, e.ends_on)
        .where(e.list_id == list_id, e.id > after, in_effect_on(on, standing))
        .order_by(e.id)
    )
    yield from stream(conn, query, chunk)


# -- the stored entries as others read them (credo.lists.queries) ----------------------------


def _standing(standing: str) -> Any:
    """``open``: not ended (the public register); ``held``: any status (the stored dates
    alone); ``not_withdrawn``: not ended because its records no longer stand."""
    e = list_entries.c
    if standing == "open":
        return e.status != "ended"
    if standing == "not_withdrawn":
        return or_(e.ended_reason.is_(None), e.ended_reason != WITHDRAWN)
    return true()


def in_effect_on(on: date, standing: str) -> Any:
    """Entries whose stored dates cover ``on`` (``effective_on <= on < ends_on``)."""
    e = list_entries.c
    return and_(e.effective_on <= on, e.ends_on > on, _standing(standing))


def entries_of_list(
    conn: Connection,
    list_id: str,
    on: date,
    standing: str,
    after: str,
    offset: int,
    limit: int | None,
    newest_first: bool,
) -> list[RowMapping]:
    e = list_entries.c
    order = (e.effective_on.desc(), e.id) if newest_first else (e.id,)
    query = (
        select(list_entries)
        .where(e.list_id == list_id, e.id > after, in_effect_on(on, standing))
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def entry_count(conn: Connection, list_id: str, on: date, standing: str) -> int:
    query = select(func.count()).where(
        list_entries.c.list_id == list_id, in_effect_on(on, standing)
    )
    return int(conn.execute(query).scalar_one())


def entries_of_subjects(
    conn: Connection,
    subject_ids: Sequence[int],
    on: date | None,
    standing: str,
    list_ids: Sequence[str] | None,
    statuses: Sequence[str] | None,
) -> list[RowMapping]:
    e = list_entries.c
    where = [] if on is None else [in_effect_on(on, standing)]
    if list_ids is not None:
        where.append(e.list_id.in_(list(list_ids)))
    if statuses is not None:
        where.append(e.status.in_(list(statuses)))
    rows: list[RowMapping] = []
    for part in chunks(sorted(set(subject_ids)), 900):
        query = select(list_entries).where(e.subject_id.in_(part), *where)
        rows += conn.execute(query.order_by(e.subject_id, e.id)).mappings()
    return rows


def listed_among(
    conn: Connection, subject_ids: Sequence[int], list_ids: Sequence[str], on: date
) -> set[int]:
    e = list_entries.c
    found: set[int] = set()
    for part in chunks(sorted(set(subject_ids)), 900):
        query = select(e.subject_id).where(
            e.subject_id.in_(part), e.list_id.in_(list(list_ids)), in_effect_on(on, "open")
        )
        found.update(conn.execute(query.distinct()).scalars())
    return found


def list_sizes(conn: Connection, on: date) -> list[tuple[str, int]]:
    e = list_entries.c
    query = (
        select(e.list_id, func.count())
        .where(in_effect_on(on, "open"))
        .group_by(e.list_id)
        .order_by(e.list_id)
    )
    return [(list_id, int(n)) for list_id, n in conn.execute(query)]


def flows_by_year(conn: Connection) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
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


def listed_subjects(conn: Connection, list_ids: Sequence[str], on: date) -> set[int]:
    e = list_entries.c
    query = select(e.subject_id).where(e.list_id.in_(list(list_ids)), in_effect_on(on, "open"))
    return set(conn.execute(query.distinct()).scalars())
