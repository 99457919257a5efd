"""All SQL of exports: a rating's results and a list's entries with each subject's kind, name
and public identifiers, in key order (keyset: ``after`` the last key seen), streamed from the
database in chunks rather than fetched whole."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date
from typing import Any

from sqlalchemy import Connection, Date, Float, Integer, String, and_, column, or_, select, text

from credo.lists.tables import list_entries
from credo.ratings.tables import rating_state
from credo.subjects.repository import identifier_column
from credo.subjects.tables import subjects

CHUNK = 5000  # rows fetched per round trip and written per batch
WITHDRAWN = "records_withdrawn"  # ended because its records no longer stand (lists.service)


def _stream(conn: Connection, query: Any, limit: int | None) -> Iterator[list[dict[str, Any]]]:
    """The rows of ``query`` in chunks: all of them through a server-side cursor (PostgreSQL)
    or SQLite's stepping cursor, or one page of ``limit``."""
    if limit is not None:
        yield [dict(row) for row in conn.execute(query.limit(limit)).mappings()]
        return
    # on the statement: Connection.execution_options would keep streaming for later queries
    result = conn.execute(query, execution_options={"yield_per": CHUNK}).mappings()
    for part in result.partitions(CHUNK):
        yield [dict(row) for row in part]


def _state_results(rating_key: str) -> Any:
    """The real-time state of a rating (what the public register shows today)."""
    return (
        select(
            rating_state.c.subject_id,
            rating_state.c.as_of,
            rating_state.c.total,
            rating_state.c.band,
            rating_state.c.reason,
        )
        .where(rating_state.c.rating_key == rating_key)
        .subquery("r")
    )


def _evaluated_results(compiled_sql: str) -> Any:
    """The results of a compiled rating query (``credo.ratings.compiler``) as a subquery. Its
    text is complete SQL with no parameters: colons are escaped so that none reads as one."""
    return (
        text(compiled_sql.replace(":", r"\:"))
        .columns(
            column("subject_id", Integer),
            column("as_of", Date),
            column("total", Float),
            column("band", String),
            column("reason", String),
        )
        .subquery("r")
    )


def rating_results(
    conn: Connection,
    rating_key: str,
    compiled_sql: str | None,
    after: int = 0,
    limit: int | None = None,
    kinds: Collection[str] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Results of the rating, subject by subject in id order after ``after`` (of subjects of
    ``kinds`` only, when given): the stored state when ``compiled_sql`` is None, else the
    compiled query's (a date's evaluation)."""
    r = _state_results(rating_key) if compiled_sql is None else _evaluated_results(compiled_sql)
    query = (
        select(
            r.c.subject_id,
            r.c.as_of,
            r.c.total,
            r.c.band,
            r.c.reason,
            subjects.c.kind,
            subjects.c.display_name,
            identifier_column("cn_uscc", "uscc"),
        )
        .join(subjects, subjects.c.id == r.c.subject_id)
        .where(r.c.subject_id > after)
        .order_by(r.c.subject_id)
    )
    if kinds is not None:
        query = query.where(subjects.c.kind.in_(sorted(kinds)))
    yield from _stream(conn, query, limit)


def list_entries_on(
    conn: Connection,
    list_id: str,
    on: date,
    today: date,
    after: str = "",
    limit: int | None = None,
    kinds: Collection[str] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """The list's entries in effect on ``on``, in entry id order after ``after``, with each
    subject's kind, name and identifiers. Today: what the public register shows (not ended).
    An earlier day: the entries the register held that day by their stored dates, except those
    ended because their records no longer stand (annulled, disputed, deleted): they had no
    effect that can be shown now."""
    held = and_(
        list_entries.c.list_id == list_id,
        list_entries.c.effective_on <= on,
        list_entries.c.ends_on > on,
        list_entries.c.id > after,
    )
    standing = (
        list_entries.c.status != "ended"
        if on >= today
        else or_(list_entries.c.ended_reason.is_(None), list_entries.c.ended_reason != WITHDRAWN)
    )
    query = (
        select(
            list_entries.c.id,
            list_entries.c.record_ids,
            list_entries.c.effective_on,
            list_entries.c.ends_on,
            subjects.c.id.label("subject_id"),
            subjects.c.kind,
            subjects.c.display_name,
            identifier_column("cn_ric", "ric"),
            identifier_column("cn_uscc", "uscc"),
        )
        .join(subjects, subjects.c.id == list_entries.c.subject_id)
        .where(held, standing)
        .order_by(list_entries.c.id)
    )
    if kinds is not None:
        query = query.where(subjects.c.kind.in_(sorted(kinds)))
    yield from _stream(conn, query, limit)
