"""All SQL about record statements, the current view, suppressions and the change feed."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import orjson
import pyarrow as pa
from sqlalchemy import (
    Connection,
    Dialect,
    RowMapping,
    and_,
    bindparam,
    case,
    distinct,
    exists,
    func,
    literal,
    null,
    or_,
    select,
)

from credo.db.bulk import (
    BoundRows,
    bind_rows,
    binder,
    bulk_insert,
    bulk_insert_ignore,
    bulk_insert_ignore_bound,
    bulk_upsert,
    in_values,
)
from credo.db.sql import KeyedTable, chunks, insert_ignore, rows_where, within_window
from credo.records import effect
from credo.records.effect import EffectRule
from credo.records.tables import (
    change_feed,
    record_current,
    record_expiries,
    record_statements,
    record_suppressions,
    subject_statements,
)

CURRENT_UPDATE = [
    c.name for c in record_current.columns if c.name not in ("chain_id", "first_received_at")
]


def existing_statements(conn: Connection, record_ids: Iterable[str]) -> dict[str, str]:
    """record_id -> content_hash for the ids that are already stored."""
    found: dict[str, str] = {}
    for part in chunks(list(set(record_ids)), 900):
        for record_id, content_hash in conn.execute(
            select(record_statements.c.record_id, record_statements.c.content_hash).where(
                in_values(conn, record_statements.c.record_id, part)
            )
        ):
            found[record_id] = content_hash
    return found


def current_rows(conn: Connection, chain_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(list(set(chain_ids)), 900):
        for row in conn.execute(
            select(record_current).where(in_values(conn, record_current.c.chain_id, part))
        ).mappings():
            found[row["chain_id"]] = dict(row)
    return found


def deleted_chains(conn: Connection, chain_ids: Iterable[str]) -> set[str]:
    """Chains deleted after a dispute (G-31): they cannot come back under the same source."""
    found: set[str] = set()
    for part in chunks(list(set(chain_ids)), 900):
        rows = conn.execute(
            select(record_suppressions.c.chain_id).where(
                in_values(conn, record_suppressions.c.chain_id, part),
                record_suppressions.c.reason == "deleted",
            )
        )
        found.update(r[0] for r in rows)
    return found


def insert_statements(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    bulk_insert_ignore(conn, record_statements, rows)


def bind_statements(dialect: Dialect, rows: Sequence[dict[str, Any]]) -> BoundRows:
    """Statement rows converted for ``dialect`` ahead of ``insert_bound_statements``."""
    return bind_rows(dialect, record_statements, rows)


def statement_binder(dialect: Dialect, column: str) -> Callable[[Any], Any]:
    """Converts values of one ``record_statements`` column for ``dialect``."""
    return binder(dialect, record_statements.c[column])


def insert_bound_statements(conn: Connection, bound: BoundRows) -> None:
    bulk_insert_ignore_bound(conn, record_statements, bound)


def upsert_current(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    bulk_upsert(conn, record_current, rows, ["chain_id"], CURRENT_UPDATE)


def append_feed(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    bulk_insert(conn, change_feed, rows)


def statements_of_chain(conn: Connection, chain_id: str) -> list[RowMapping]:
    s = record_statements.c
    return rows_where(conn, record_statements, s.chain_id == chain_id, s.revision)


def statements_of_subject(conn: Connection, subject_id: int) -> list[RowMapping]:
    s = record_statements.c
    return rows_where(conn, record_statements, s.subject_id == subject_id, s.chain_id, s.revision)


def current_of_subject(conn: Connection, subject_id: int) -> list[RowMapping]:
    c = record_current.c
    return rows_where(
        conn, record_current, c.subject_id == subject_id, c.occurred_on.desc(), c.chain_id
    )


def get_current(conn: Connection, chain_id: str) -> RowMapping | None:
    return (
        conn.execute(select(record_current).where(record_current.c.chain_id == chain_id))
        .mappings()
        .first()
    )


def open_suppression_clause(as_of_chain: Any) -> Any:
    return exists().where(
        record_suppressions.c.chain_id == as_of_chain,
        record_suppressions.c.closed_at.is_(None),
    )


def in_effect(rule: EffectRule, on: date | None) -> Any:
    """The effect rule over the current view on ``on`` (``None``: its date-free clauses)."""
    c = record_current.c
    return rule.sqlalchemy(c, on, open_suppression_clause(c.chain_id))


def effective_records(
    conn: Connection,
    subject_ids: Sequence[int],
    on: date,
    record_types: Sequence[str] | None = None,
    rule: EffectRule = EffectRule(),
) -> list[RowMapping]:
    """The records in effect on ``on`` by credo.records.effect (final or enforceable pending
    appeal, G-06; within term and retention; not suppressed, G-20, G-26, G-31). The filter is
    the query-time half of expiry (G-41): a missed job extends no harm."""
    query = select(record_current).where(
        record_current.c.subject_id.in_(list(subject_ids)), in_effect(rule, on)
    )
    if record_types is not None:
        query = query.where(record_current.c.record_type.in_(list(record_types)))
    return list(
        conn.execute(
            query.order_by(record_current.c.occurred_on, record_current.c.chain_id)
        ).mappings()
    )


def feed_since(conn: Connection, after_seq: int, limit: int = 1000) -> list[RowMapping]:
    return list(
        conn.execute(
            select(change_feed)
            .where(change_feed.c.seq > after_seq)
            .order_by(change_feed.c.seq)
            .limit(limit)
        ).mappings()
    )


def open_suppressions(conn: Connection, chain_ids: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for part in chunks(list(set(chain_ids)), 900):
        for chain_id, reason in conn.execute(
            select(record_suppressions.c.chain_id, record_suppressions.c.reason).where(
                and_(
                    record_suppressions.c.chain_id.in_(part),
                    record_suppressions.c.closed_at.is_(None),
                )
            )
        ):
            found.setdefault(chain_id, []).append(reason)
    return found


def statements_by_record(conn: Connection, record_id: str) -> list[RowMapping]:
    """All statements of the chain that ``record_id`` belongs to."""
    chain = conn.execute(
        select(record_statements.c.chain_id).where(record_statements.c.record_id == record_id)
    ).scalar()
    return statements_of_chain(conn, chain) if chain else []


def open_chains_of(
    conn: Connection, furnisher_id: str, record_types: Sequence[str], on: date
) -> list[RowMapping]:
    """The furnisher's chains of ``record_types`` that have not ended by ``on``
    (``credo.records.effect.ONGOING``: not annulled, the folded end of effect after ``on``).
    What a full-list delivery of that day confirms or, when absent from it, delists."""
    c = record_current.c
    return list(
        conn.execute(
            select(
                c.chain_id,
                c.record_id,
                c.revision,
                c.source_ref,
                c.record_type,
                c.subject_id,
                c.finality,
            )
            .where(
                c.furnisher_id == furnisher_id,
                c.record_type.in_(list(record_types)),
                EffectRule().sqlalchemy(c, on, clauses=effect.ONGOING),
            )
            .order_by(c.chain_id)
        ).mappings()
    )


def statement_heads(conn: Connection, record_ids: Iterable[str]) -> dict[str, dict[str, Any]]:
    """record_id -> action, revision, effective_from, provenance and content hash."""
    s = record_statements.c
    found: dict[str, dict[str, Any]] = {}
    for part in chunks(list(set(record_ids)), 900):
        for row in conn.execute(
            select(
                s.record_id, s.action, s.revision, s.effective_from, s.provenance, s.content_hash
            ).where(in_values(conn, s.record_id, part))
        ).mappings():
            found[row["record_id"]] = dict(row)
    return found


# -- the subjects' statements about records (G-32) -------------------------------------------


def insert_subject_statement(conn: Connection, row: dict[str, Any]) -> int:
    table = subject_statements
    return int(conn.execute(table.insert().returning(table.c.id), row).scalar_one())


def subject_statements_of_chains(
    conn: Connection, chain_ids: Sequence[str]
) -> dict[str, list[RowMapping]]:
    """Each chain's subject statements, oldest first."""
    found: dict[str, list[RowMapping]] = {}
    for part in chunks(sorted(set(chain_ids)), 900):
        for row in conn.execute(
            select(subject_statements)
            .where(subject_statements.c.chain_id.in_(part))
            .order_by(subject_statements.c.id)
        ).mappings():
            found.setdefault(row["chain_id"], []).append(row)
    return found


# -- expiry marks: what the scheduled job has processed at an effect or retention end --------


def newly_ended(conn: Connection, today: date, limit: int) -> list[tuple[str, int, str, date]]:
    """(chain_id, subject_id, kind, on) for active chains whose effect period or retention
    ended on or before ``today`` and that the job has not processed yet (up to ``limit`` of
    each kind)."""
    found: list[tuple[str, int, str, date]] = []
    for kind, column in (
        ("effect_end", record_current.c.effect_until),
        ("retention_end", record_current.c.expires_on),
    ):
        done = select(record_expiries.c.chain_id).where(
            record_expiries.c.kind == kind, record_expiries.c.chain_id == record_current.c.chain_id
        )
        rows = conn.execute(
            select(record_current.c.chain_id, record_current.c.subject_id, column)
            .where(column <= today, ~done.exists())
            .order_by(column, record_current.c.chain_id)
            .limit(limit)
        )
        found += [(chain_id, subject_id, kind, on) for chain_id, subject_id, on in rows]
    return found


def mark_ended(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    insert_ignore(conn, record_expiries, rows)


# -- retention (credo.records.retention): erasure at the retention end, and which subjects
# still hold anything.

ERASED = "erased"  # record_expiries.kind of a chain whose statements are tombstones


def chains_past_retention(conn: Connection, on: date, limit: int) -> list[RowMapping]:
    """(chain_id, subject_id) of chains whose retention ended by ``on`` (``expires_on``, the
    clause of credo.records.effect) and that are not erased yet, oldest retention first."""
    c, e = record_current.c, record_expiries.c
    erased = exists().where(e.chain_id == c.chain_id, e.kind == ERASED)
    return list(
        conn.execute(
            select(c.chain_id, c.subject_id)
            .where(c.expires_on <= on, ~erased)
            .order_by(c.expires_on, c.chain_id)
            .limit(limit)
        ).mappings()
    )


def statements_of_chains(conn: Connection, chain_ids: Sequence[str]) -> list[RowMapping]:
    found: list[RowMapping] = []
    for part in chunks(list(chain_ids), 900):
        found += conn.execute(
            select(record_statements).where(in_values(conn, record_statements.c.chain_id, part))
        ).mappings()
    return found


def erase_statements(conn: Connection, tombstones: Sequence[dict[str, Any]]) -> None:
    """Replace each statement's payload by its tombstone (``record_id``, ``payload``) and
    drop its evidence and provenance; the kept columns stay as they were."""
    if tombstones:
        conn.execute(
            record_statements.update()
            .where(record_statements.c.record_id == bindparam("rid"))
            .values(payload=bindparam("tombstone"), evidence=null(), provenance=null()),
            [{"rid": t["record_id"], "tombstone": t["payload"]} for t in tombstones],
        )


def erase_current(conn: Connection, tombstones: Sequence[dict[str, Any]]) -> None:
    """The current view's payload (folded from the statements) becomes the tombstone too."""
    if tombstones:
        conn.execute(
            record_current.update()
            .where(record_current.c.chain_id == bindparam("cid"))
            .values(payload=bindparam("tombstone")),
            [{"cid": t["chain_id"], "tombstone": t["payload"]} for t in tombstones],
        )


def close_chains_for_good(conn: Connection, rows: Sequence[dict[str, Any]], ref: str) -> None:
    """A ``deleted`` suppression per erased chain, so it cannot come back by re-ingestion
    (``deleted_chains``, G-31), and its ``erased`` mark, so no later run takes it again."""
    bulk_insert(
        conn,
        record_suppressions,
        [
            {
                "chain_id": r["chain_id"],
                "subject_id": r["subject_id"],
                "reason": effect.DELETED,
                "ref": ref,
                "opened_at": r["at"],
            }
            for r in rows
        ],
    )
    bulk_insert_ignore(
        conn,
        record_expiries,
        [
            {"chain_id": r["chain_id"], "kind": ERASED, "on": r["on"], "processed_at": r["at"]}
            for r in rows
        ],
    )


def subjects_holding(conn: Connection, subject_ids: Sequence[int]) -> tuple[set[int], set[int]]:
    """Of ``subject_ids``: those with any record chain, and those with a chain that is not
    erased."""
    c, e = record_current.c, record_expiries.c
    erased = exists().where(e.chain_id == c.chain_id, e.kind == ERASED)
    anything: set[int] = set()
    live: set[int] = set()
    for part in chunks(sorted(set(subject_ids)), 900):
        of_part = select(c.subject_id).where(c.subject_id.in_(part)).distinct()
        anything.update(conn.execute(of_part).scalars())
        live.update(conn.execute(of_part.where(~erased)).scalars())
    return anything, live


def delete_subject_statements(conn: Connection, chain_ids: Sequence[str]) -> int:
    """Delete the subject statements about the chains; how many."""
    deleted = 0
    for part in chunks(list(chain_ids), 900):
        deleted += conn.execute(
            subject_statements.delete().where(subject_statements.c.chain_id.in_(part))
        ).rowcount
    return deleted


# -- suppressions that due process opens and closes (credo.disputes) --------------------------


def chains_of_records(conn: Connection, record_ids: Sequence[str]) -> list[str]:
    query = select(record_statements.c.chain_id).where(
        record_statements.c.record_id.in_(list(record_ids))
    )
    return sorted(set(conn.execute(query).scalars()))


def suppressions_of_subject(conn: Connection, subject_id: int) -> list[RowMapping]:
    s = record_suppressions.c
    query = select(record_suppressions).where(s.subject_id == subject_id).order_by(s.id)
    return list(conn.execute(query).mappings())


def open_suppression(
    conn: Connection, chain_id: str, subject_id: int, reason: str, ref: str, at: datetime
) -> None:
    conn.execute(
        record_suppressions.insert().values(
            chain_id=chain_id, subject_id=subject_id, reason=reason, ref=ref, opened_at=at
        )
    )


def close_suppressions(conn: Connection, ref: str, at: datetime) -> None:
    conn.execute(
        record_suppressions.update()
        .where(record_suppressions.c.ref == ref, record_suppressions.c.closed_at.is_(None))
        .values(closed_at=at)
    )


# -- final decisions in effect (the public register publishes nothing else) ------------------


def _final_in_effect(record_types: Sequence[str], on: date) -> Any:
    """Records of ``record_types`` in effect on ``on`` as final decisions: ``EffectRule()``
    with no type enforceable pending appeal."""
    return and_(record_current.c.record_type.in_(list(record_types)), in_effect(EffectRule(), on))


def final_in_effect(
    conn: Connection,
    record_types: Sequence[str],
    on: date,
    subject_id: int | None,
    offset: int,
    limit: int | None,
) -> list[RowMapping]:
    c = record_current.c
    query = select(record_current).where(_final_in_effect(record_types, on))
    if subject_id is not None:
        query = query.where(c.subject_id == subject_id)
    query = query.order_by(c.effective_from.desc(), c.chain_id).offset(offset).limit(limit)
    return list(conn.execute(query).mappings())


def final_in_effect_count(conn: Connection, record_types: Sequence[str], on: date) -> int:
    query = select(func.count()).select_from(record_current)
    return int(conn.execute(query.where(_final_in_effect(record_types, on))).scalar_one())


def subjects_with_final_in_effect(
    conn: Connection, record_types: Sequence[str], on: date
) -> set[int]:
    query = select(record_current.c.subject_id).where(_final_in_effect(record_types, on))
    return set(conn.execute(query.distinct()).scalars())


def payloads_of_records(conn: Connection, record_ids: Sequence[str]) -> dict[str, Any]:
    s = record_statements.c
    found: dict[str, Any] = {}
    for part in chunks(sorted(set(record_ids)), 900):
        query = select(s.record_id, s.payload).where(s.record_id.in_(part))
        found.update({record_id: payload for record_id, payload in conn.execute(query)})
    return found


# -- reads for checks, lists, quality and summary (credo.records.queries) -------------------


def feed_head(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(change_feed.c.seq), 0))).scalar_one())


def feed_subjects_after(conn: Connection, after_seq: int, limit: int) -> list[tuple[int, int]]:
    query = (
        select(change_feed.c.seq, change_feed.c.subject_id)
        .where(change_feed.c.seq > after_seq)
        .order_by(change_feed.c.seq)
        .limit(limit)
    )
    return [(seq, subject_id) for seq, subject_id in conn.execute(query)]


def feed_subjects_at(conn: Connection, seqs: Sequence[int]) -> list[tuple[int, int]]:
    query = select(change_feed.c.seq, change_feed.c.subject_id).where(
        change_feed.c.seq.in_(list(seqs))
    )
    return [(seq, subject_id) for seq, subject_id in conn.execute(query)]


def feed_count(conn: Connection, after: int, upto: int) -> int:
    f = change_feed.c
    query = select(func.count()).where(f.seq > after, f.seq <= upto)
    return int(conn.execute(query).scalar_one())


def feed_seqs_in(conn: Connection, ranges: Sequence[tuple[int, int]]) -> list[int]:
    seq = change_feed.c.seq
    query = select(seq).where(or_(*(seq.between(a, b) for a, b in ranges))).order_by(seq)
    return [int(s) for s in conn.execute(query).scalars()]


def announce_subjects_of_furnisher(
    conn: Connection, furnisher_id: str, kind: str, now: datetime
) -> int:
    """One change-feed row per subject with a record of the furnisher (one INSERT ...
    SELECT, however many subjects)."""
    subjects = (
        select(
            record_current.c.subject_id,
            literal(kind),
            literal(furnisher_id),
            literal(now, type_=change_feed.c.created_at.type),
        )
        .where(record_current.c.furnisher_id == furnisher_id)
        .distinct()
    )
    result = conn.execute(
        change_feed.insert().from_select(["subject_id", "kind", "ref", "created_at"], subjects)
    )
    return int(result.rowcount or 0)


RECORD_FEED_KIND = "record"  # a feed row per accepted statement, its record_id as ref


def _statements_in_feed(ranges: Sequence[tuple[int, int]]) -> Any:
    """The record statements named by the feed rows within ``ranges`` (each inclusive)."""
    f = change_feed.c
    refs = select(f.ref).where(
        f.kind == RECORD_FEED_KIND, or_(*(f.seq.between(a, b) for a, b in ranges))
    )
    return record_statements.c.record_id.in_(refs)


def statement_years(
    conn: Connection, ranges: Sequence[tuple[int, int]] | None
) -> list[tuple[str, int]]:
    s = record_statements.c
    year = func.extract("year", s.occurred_on)
    query = select(year, func.count()).group_by(year)
    if ranges is not None:
        query = query.where(_statements_in_feed(ranges))
    return [(str(int(y)), int(n)) for y, n in conn.execute(query)]


def new_chain_types_in(
    conn: Connection, ranges: Sequence[tuple[int, int]]
) -> list[tuple[str, int]]:
    s = record_statements.c
    new = (
        select(s.chain_id, s.record_type, func.count().label("n"))
        .where(_statements_in_feed(ranges))
        .group_by(s.chain_id, s.record_type)
        .subquery()
    )
    every = record_statements.alias("every")
    stored = select(func.count()).where(every.c.chain_id == new.c.chain_id).scalar_subquery()
    query = (
        select(new.c.record_type, func.count()).where(new.c.n == stored).group_by(new.c.record_type)
    )
    return [(kind, int(n)) for kind, n in conn.execute(query)]


def chain_types(conn: Connection) -> list[tuple[str, int]]:
    c = record_current.c
    query = select(c.record_type, func.count()).group_by(c.record_type)
    return [(kind, int(n)) for kind, n in conn.execute(query)]


def furnished_counts(
    conn: Connection, start: datetime, end: datetime, not_before: dict[str, datetime]
) -> list[tuple[str, int, int]]:
    s = record_statements.c
    query = (
        select(
            s.furnisher_id,
            func.count(distinct(s.chain_id)),
            func.count(distinct(case((s.action == "correct", s.chain_id)))),
        )
        .where(within_window(s.received_at, s.furnisher_id, start, end, not_before))
        .group_by(s.furnisher_id)
    )
    return [(f, int(n or 0), int(corrected or 0)) for f, n, corrected in conn.execute(query)]


def retention_ends(conn: Connection, record_ids: Sequence[str]) -> dict[str, date]:
    found: dict[str, date] = {}
    for part in chunks(sorted(set(record_ids)), 900):
        query = select(record_current.c.record_id, record_current.c.expires_on).where(
            record_current.c.record_id.in_(part)
        )
        found.update({record_id: expires for record_id, expires in conn.execute(query)})
    return found


def record_types_of_subjects(conn: Connection, subject_ids: Sequence[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {}
    for part in chunks(list(subject_ids), 900):
        query = (
            select(record_current.c.subject_id, record_current.c.record_type)
            .where(record_current.c.subject_id.in_(part))
            .distinct()
        )
        for subject_id, record_type in conn.execute(query):
            found.setdefault(subject_id, set()).add(record_type)
    return found


def _standing_query(record_types: Sequence[str], rule: EffectRule) -> Any:
    """Records of ``record_types`` meeting the effect rule's date-free clauses; the dates on
    which each has effect are ``effect.interval`` of its row."""
    rc = record_current.c
    return select(
        rc.subject_id,
        rc.record_id,
        rc.chain_id,
        rc.record_type,
        rc.furnisher_id,
        rc.occurred_on,
        rc.effective_from,
        rc.effect_until,
        rc.expires_on,
        rc.end_reason,
        rc.confirmed_on,
        rc.payload,
    ).where(rc.record_type.in_(list(record_types)), in_effect(rule, None))


def standing_records(
    conn: Connection,
    subject_ids: Sequence[int] | None,
    record_types: Sequence[str],
    rule: EffectRule,
) -> Iterable[RowMapping]:
    base = _standing_query(record_types, rule)
    parts: list[Any] = (
        [base]
        if subject_ids is None
        else [
            base.where(record_current.c.subject_id.in_(part)) for part in chunks(subject_ids, 900)
        ]
    )
    for query in parts:
        yield from conn.execute(query).mappings()


# The statements the audit log vouches for (records.queries.audited_statements).
AUDITED_STATEMENTS = KeyedTable(record_statements)


# -- who holds records, for a policy simulation's groups (credo.governance) ------------------


def subjects_with_records(conn: Connection) -> list[int]:
    query = select(record_current.c.subject_id).distinct().order_by(record_current.c.subject_id)
    return [int(subject_id) for subject_id in conn.execute(query).scalars()]


def holdings(conn: Connection, subject_ids: Sequence[int]) -> list[tuple[int, str, str]]:
    c = record_current.c
    found: list[tuple[int, str, str]] = []
    for part in chunks(sorted(set(subject_ids)), 900):
        query = select(c.subject_id, c.furnisher_id, c.record_type).where(c.subject_id.in_(part))
        found += [(int(s), str(f), str(t)) for s, f, t in conn.execute(query.distinct())]
    return found


# -- what the ratings read (records.queries: rating inputs and their explanations) ----------


def current_count(conn: Connection, record_types: Sequence[str]) -> int:
    """Current records of ``record_types`` (from the record-type index, no row read)."""
    query = select(func.count()).where(record_current.c.record_type.in_(list(record_types)))
    return int(conn.execute(query).scalar_one())


def effect_dates(conn: Connection, subject_id: int, record_types: Sequence[str]) -> list[date]:
    rc = record_current.c
    where = (rc.subject_id == subject_id, rc.record_type.in_(list(record_types)))
    days: set[date] = set()
    for column in (rc.effective_from, rc.effect_until):
        days.update(row[0] for row in conn.execute(select(column).where(*where).distinct()))
    return sorted(days)


def suppression_reasons(
    conn: Connection, chain_ids: Sequence[str], known_at: datetime | None
) -> dict[str, str]:
    s = record_suppressions.c
    found: dict[str, str] = {}
    for part in chunks(sorted(set(chain_ids)), 900):
        query = select(s.chain_id, s.reason).where(s.chain_id.in_(part)).order_by(s.id)
        if known_at is None:
            query = query.where(s.closed_at.is_(None))
        else:
            query = query.where(
                s.opened_at <= known_at, (s.closed_at.is_(None)) | (s.closed_at > known_at)
            )
        for chain_id, reason in conn.execute(query):
            found.setdefault(chain_id, reason)
    return found


def extract_tables(conn: Connection, record_types: Sequence[str]) -> dict[str, pa.Table]:
    """The current records and statements of ``record_types`` and every suppression as Arrow
    tables with the tables' column names, payloads as JSON text, evidence and provenance left
    out (``records.queries.extract_tables``)."""
    types = list(record_types)

    def arrow_of(table: Any, where: Any = None) -> pa.Table:
        query = select(table) if where is None else select(table).where(where)
        rows = [dict(r) for r in conn.execute(query).mappings()]
        for row in rows:
            if "payload" in row:
                row["payload"] = json_text(row["payload"])
            for column in _NOT_EXTRACTED:
                row.pop(column, None)
        return pa.Table.from_pylist(rows, schema=_arrow_schema(table))

    return {
        "record_current": arrow_of(record_current, record_current.c.record_type.in_(types)),
        "record_statements": arrow_of(
            record_statements, record_statements.c.record_type.in_(types)
        ),
        "record_suppressions": arrow_of(record_suppressions),
    }


_NOT_EXTRACTED = ("evidence", "provenance")


def json_text(payload: Any) -> str:
    """A payload as JSON text. Payloads stored before numbers were bounded at ingestion may
    hold integers beyond 64 bits (PostgreSQL's JSONB returns them as Python ints), which
    orjson refuses: the standard library writes them."""
    try:
        return orjson.dumps(payload).decode()
    except orjson.JSONEncodeError:
        return json.dumps(payload, separators=(",", ":"))


def _arrow_schema(table: Any) -> pa.Schema:
    arrow_types = {int: pa.int64(), date: pa.date32(), datetime: pa.timestamp("us", tz="UTC")}
    return pa.schema(
        [
            pa.field(column.name, arrow_types.get(_python_type(column), pa.string()))
            for column in table.columns
            if column.name not in _NOT_EXTRACTED
        ]
    )


def _python_type(column: Any) -> type:
    try:
        return column.type.python_type
    except NotImplementedError:
        return str


# -- what notices read of records (credo.records.queries) ------------------------------------


def delisted_or_confirmed(conn: Connection, subject_ids: Sequence[int]) -> list[RowMapping]:
    c = record_current.c
    ended_or_kept = or_(c.state == "delisted", c.confirmed_on.is_not(None))
    rows: list[RowMapping] = []
    for part in chunks(sorted(set(subject_ids)), 900):
        query = select(record_current).where(c.subject_id.in_(part), ended_or_kept)
        rows += conn.execute(query.order_by(c.subject_id, c.chain_id)).mappings()
    return rows


def record_refs(conn: Connection, record_ids: Iterable[str]) -> list[RowMapping]:
    s, c = record_statements.c, record_current.c
    columns = (c.chain_id, c.record_type, c.source_ref, c.furnisher_id, c.effective_from)
    rows: list[RowMapping] = []
    for part in chunks(sorted(set(record_ids)), 900):
        query = (
            select(s.record_id, *columns)
            .join_from(record_statements, record_current, s.chain_id == c.chain_id)
            .where(s.record_id.in_(part))
        )
        rows += conn.execute(query).mappings()
    return rows
