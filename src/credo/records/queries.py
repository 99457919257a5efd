"""What other packages read about records, as plain values (the one way in besides the write
path in ``credo.records.service``): nobody outside credo.records reads its tables."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, NamedTuple

import pyarrow as pa
from sqlalchemy import Connection, RowMapping

from credo.audit.integrity import AuditedRows
from credo.records import effect, repository
from credo.records.effect import EffectRule


@dataclass(frozen=True)
class SubjectStatement:
    """The subject's own words about a record chain, which travel with it (G-32)."""

    id: int
    subject_id: int
    chain_id: str
    text: str
    created_at: datetime


def subject_statements(
    conn: Connection, chain_ids: Sequence[str]
) -> dict[str, list[SubjectStatement]]:
    """Each chain's subject statements, oldest first (chains with none are absent)."""
    return {
        chain_id: [
            SubjectStatement(r["id"], r["subject_id"], r["chain_id"], r["text"], r["created_at"])
            for r in rows
        ]
        for chain_id, rows in repository.subject_statements_of_chains(conn, chain_ids).items()
    }


def statement_texts(conn: Connection, chain_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """For decisions: the texts of each chain's subject statements, oldest first (G-32)."""
    if not chain_ids:
        return {}
    return {
        chain_id: tuple(r["text"] for r in rows)
        for chain_id, rows in repository.subject_statements_of_chains(conn, chain_ids).items()
    }


class EndedChain(NamedTuple):
    """A chain whose effect period (``effect_end``) or retention (``retention_end``) ended
    ``on`` a day the scheduled job has not processed yet."""

    chain_id: str
    subject_id: int
    kind: str
    on: date


def newly_ended(conn: Connection, today: date, limit: int) -> list[EndedChain]:
    """Up to ``limit`` chains of each kind that ended on or before ``today``, unmarked."""
    return [EndedChain(*row) for row in repository.newly_ended(conn, today, limit)]


# -- statements and the current view ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Decided:
    """What a statement of a chain decided, as a stored statement and the current view both
    carry it (``effect_until`` and ``end_reason``: the chain's effect as folded then)."""

    chain_id: str
    record_id: str
    revision: int
    furnisher_id: str
    source_ref: str
    record_type: str
    subject_id: int
    occurred_on: date
    effective_from: date
    effect_until: date
    expires_on: date
    finality: str
    term_ends_on: date | None
    term_until: str | None
    review_on: date | None
    ceiling_until: date | None
    end_reason: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StoredStatement(Decided):
    """One accepted statement of a chain, as stored (never changed but for a tombstone at the
    chain's retention end)."""

    action: str
    evidence: dict[str, Any] | None
    provenance: dict[str, Any] | None
    content_hash: str
    received_at: datetime


@dataclass(frozen=True, slots=True)
class CurrentRecord(Decided):
    """A chain as it stands now: its latest revision folded with what came before
    (``credo.records.service.fold_statement``); ``effect_until`` and ``end_reason`` say when
    and why its effect ends (``credo.records.effect``)."""

    state: str  # active | revoked | performed | delisted
    performed_on: date | None
    confirmed_on: date | None
    ended_on: date | None
    first_received_at: datetime
    updated_at: datetime


def _statement(row: Mapping[Any, Any]) -> StoredStatement:
    return StoredStatement(**{f: row[f] for f in _STATEMENT_FIELDS})


def _current(row: Mapping[Any, Any]) -> CurrentRecord:
    return CurrentRecord(**{f: row[f] for f in _CURRENT_FIELDS})


_STATEMENT_FIELDS = tuple(f.name for f in fields(StoredStatement))
_CURRENT_FIELDS = tuple(f.name for f in fields(CurrentRecord))


def statements_of_chain(conn: Connection, chain_id: str) -> list[StoredStatement]:
    """The chain's statements in revision order."""
    return [_statement(r) for r in repository.statements_of_chain(conn, chain_id)]


def statements_of_record(conn: Connection, record_id: str) -> list[StoredStatement]:
    """Every statement of the chain that ``record_id`` (any revision) belongs to."""
    return [_statement(r) for r in repository.statements_by_record(conn, record_id)]


def statements_of_subject(conn: Connection, subject_id: int) -> list[StoredStatement]:
    """The subject's statements, chain by chain in revision order."""
    return [_statement(r) for r in repository.statements_of_subject(conn, subject_id)]


def current_record(conn: Connection, chain_id: str) -> CurrentRecord | None:
    row = repository.get_current(conn, chain_id)
    return _current(row) if row is not None else None


def current_of_chains(conn: Connection, chain_ids: Iterable[str]) -> dict[str, CurrentRecord]:
    """chain id -> its current view, for the chains on record."""
    return {c: _current(r) for c, r in repository.current_rows(conn, chain_ids).items()}


def current_of_subject(conn: Connection, subject_id: int) -> list[CurrentRecord]:
    """The subject's chains, latest occurrence first."""
    return [_current(r) for r in repository.current_of_subject(conn, subject_id)]


@dataclass(frozen=True, slots=True)
class StatementHead:
    """What a full-list delivery compares a chain's latest statement by."""

    record_id: str
    action: str
    revision: int
    effective_from: date
    provenance: dict[str, Any] | None
    content_hash: str


def statement_heads(conn: Connection, record_ids: Iterable[str]) -> dict[str, StatementHead]:
    """record id -> its head, for the ids on record."""
    return {
        k: StatementHead(**row) for k, row in repository.statement_heads(conn, record_ids).items()
    }


@dataclass(frozen=True, slots=True)
class OpenChain:
    """A chain that has not ended by a given day (``credo.records.effect.ONGOING``)."""

    chain_id: str
    record_id: str
    revision: int
    source_ref: str
    record_type: str
    subject_id: int
    finality: str


def open_chains_of(
    conn: Connection, furnisher_id: str, record_types: Sequence[str], on: date
) -> list[OpenChain]:
    """The furnisher's chains of ``record_types`` that have not ended by ``on``: what a
    full-list delivery of that day confirms or, when absent from it, delists."""
    return [
        OpenChain(**row) for row in repository.open_chains_of(conn, furnisher_id, record_types, on)
    ]


# -- suppressions, as due process reads them (credo.disputes) --------------------------------


@dataclass(frozen=True, slots=True)
class Suppression:
    """A restriction on a chain's effect, in force while ``closed_at`` is None (a case's while
    it is open, a deletion's for good)."""

    id: int
    chain_id: str
    subject_id: int
    reason: str
    ref: str | None
    opened_at: datetime
    closed_at: datetime | None


def suppressions_of_subject(conn: Connection, subject_id: int) -> list[Suppression]:
    """Every suppression of the subject's chains, open or closed, oldest first."""
    return [Suppression(**row) for row in repository.suppressions_of_subject(conn, subject_id)]


def chains_of_records(conn: Connection, record_ids: Sequence[str]) -> list[str]:
    """The chains these record ids (of any revision) belong to, sorted."""
    return repository.chains_of_records(conn, record_ids) if record_ids else []


# -- final decisions in effect, as the public register reads them -----------------------------


def final_in_effect(
    conn: Connection,
    record_types: Sequence[str],
    on: date,
    *,
    subject_id: int | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> list[CurrentRecord]:
    """The records of ``record_types`` in effect on ``on`` as final decisions (only those are
    published: ``EffectRule()`` with no type enforceable pending appeal), of one subject when
    given; newest first."""
    rows = repository.final_in_effect(conn, record_types, on, subject_id, offset, limit)
    return [_current(row) for row in rows]


def final_in_effect_count(conn: Connection, record_types: Sequence[str], on: date) -> int:
    """How many records ``final_in_effect`` finds (every subject)."""
    return repository.final_in_effect_count(conn, record_types, on)


def subjects_with_final_in_effect(
    conn: Connection, record_types: Sequence[str], on: date
) -> set[int]:
    """The subjects with a record ``final_in_effect`` finds."""
    return repository.subjects_with_final_in_effect(conn, record_types, on)


def payloads_of_records(conn: Connection, record_ids: Sequence[str]) -> dict[str, Any]:
    """record id -> the payload of that statement, for the ids on record."""
    return repository.payloads_of_records(conn, record_ids) if record_ids else {}


# -- the change feed, as the check workers and the maintained counts follow it ----------------

Range = tuple[int, int]  # sequence numbers, both ends included


def feed_head(conn: Connection) -> int:
    """The change feed's last sequence number (0 when empty)."""
    return repository.feed_head(conn)


def feed_subjects_after(conn: Connection, after_seq: int, limit: int) -> list[tuple[int, int]]:
    """(seq, subject id) of up to ``limit`` feed rows after ``after_seq``, in order."""
    return repository.feed_subjects_after(conn, after_seq, limit)


def feed_subjects_at(conn: Connection, seqs: Sequence[int]) -> list[tuple[int, int]]:
    """(seq, subject id) of the feed rows among ``seqs`` that exist (gaps filled since)."""
    return repository.feed_subjects_at(conn, seqs) if seqs else []


def feed_count(conn: Connection, after: int, upto: int) -> int:
    """How many feed rows lie in (after, upto]."""
    return repository.feed_count(conn, after, upto)


def feed_seqs_in(conn: Connection, ranges: Sequence[Range]) -> list[int]:
    """The sequence numbers present within ``ranges``, ascending."""
    return repository.feed_seqs_in(conn, ranges) if ranges else []


# -- counts over the statements (credo.summary, credo.quality) --------------------------------


def statement_years(
    conn: Connection, ranges: Sequence[Range] | None = None
) -> list[tuple[str, int]]:
    """(year of occurrence, statements): those named by the feed rows within ``ranges``, or
    every statement (``None``)."""
    return repository.statement_years(conn, ranges)


def new_chain_types_in(conn: Connection, ranges: Sequence[Range]) -> list[tuple[str, int]]:
    """(record type, chains) of the chains whose every statement is named by the feed rows
    within ``ranges``: new chains."""
    return repository.new_chain_types_in(conn, ranges)


def chain_types(conn: Connection) -> list[tuple[str, int]]:
    """(record type, chains) over the current view."""
    return repository.chain_types(conn)


def furnished_counts(
    conn: Connection, start: datetime, end: datetime, not_before: Mapping[str, datetime]
) -> dict[str, tuple[int, int]]:
    """furnisher id -> (chains with a statement received in [start, end], those of them
    corrected); a furnisher in ``not_before`` counts only from its moment there."""
    rows = repository.furnished_counts(conn, start, end, dict(not_before))
    return {furnisher: (records, corrected) for furnisher, records, corrected in rows}


# -- what the check workers and list entries read of current records --------------------------


def retention_ends(conn: Connection, record_ids: Sequence[str]) -> dict[str, date]:
    """record id -> the day its retention ends, for the ids that are current revisions."""
    return repository.retention_ends(conn, record_ids) if record_ids else {}


def record_types_of_subjects(conn: Connection, subject_ids: Sequence[int]) -> dict[int, set[str]]:
    """subject id -> the record types of its chains."""
    return repository.record_types_of_subjects(conn, subject_ids) if subject_ids else {}


@dataclass(frozen=True, slots=True)
class StandingRecord:
    """A current record that meets an effect rule's date-free clauses (what may put its
    subject on a list): in effect from ``starts_on`` until ``ends_on`` (``effect.interval``),
    which ends for ``end_reason`` (``retention_ended`` where its retention ends it first);
    ``confirmed_on``: the furnisher's latest confirmation (it restarts a list's term as it
    does the ceiling)."""

    record_id: str
    chain_id: str
    record_type: str
    furnisher_id: str
    occurred_on: date
    starts_on: date
    ends_on: date
    end_reason: str
    confirmed_on: date | None
    payload: dict[str, Any]


def standing_records(
    conn: Connection,
    subject_ids: Sequence[int] | None,
    record_types: Sequence[str],
    rule: EffectRule,
) -> dict[int, list[StandingRecord]]:
    """subject id -> its records of ``record_types`` that meet ``rule`` on some day, with
    those days (``subject_ids`` ``None``: every subject)."""
    found: dict[int, list[StandingRecord]] = {}
    if not record_types:
        return found
    for row in repository.standing_records(conn, subject_ids, record_types, rule):
        found.setdefault(row["subject_id"], []).append(_standing(row))
    return found


def _standing(row: RowMapping) -> StandingRecord:
    starts_on, ends_on = effect.interval(row)
    return StandingRecord(
        row["record_id"],
        row["chain_id"],
        row["record_type"],
        row["furnisher_id"],
        row["occurred_on"],
        starts_on,
        ends_on,
        effect.end_reason_of(row) if ends_on == row["effect_until"] else "retention_ended",
        row["confirmed_on"],
        row["payload"] or {},
    )


def audited_statements() -> AuditedRows:
    """The record statements as the audit log's data check reads them (``audit.verify``)."""
    return AuditedRows("record statement", repository.AUDITED_STATEMENTS)


# -- who holds records (credo.governance's groups of a policy simulation) --------------------


def subjects_with_records(conn: Connection) -> list[int]:
    """Every subject with at least one chain on record, by id."""
    return repository.subjects_with_records(conn)


def holdings(conn: Connection, subject_ids: Sequence[int]) -> list[tuple[int, str, str]]:
    """(subject id, furnisher, record type) of each kind of chain these subjects have on
    record, once each."""
    return repository.holdings(conn, subject_ids)


@dataclass(frozen=True, slots=True)
class ChainHistory:
    """Every statement of a chain, oldest first, and the chain as it stands now."""

    statements: list[StoredStatement]
    current: CurrentRecord | None


def chain_history(
    conn: Connection, record_id: str, furnisher_id: str | None = None
) -> ChainHistory | None:
    """The history of the chain ``record_id`` (any revision) belongs to; None when there is
    none, or when ``furnisher_id`` is given and the chain is another furnisher's: a furnisher
    sees only its own records, and another's answer exactly as a record nobody has."""
    statements = statements_of_record(conn, record_id)
    if not statements or furnisher_id not in (None, statements[0].furnisher_id):
        return None
    return ChainHistory(statements, current_record(conn, statements[0].chain_id))


# -- what the ratings read of their inputs (credo.ratings) -----------------------------------


def current_count(conn: Connection, record_types: Sequence[str]) -> int:
    """How many current records of ``record_types`` there are (every subject)."""
    return repository.current_count(conn, record_types)


def effect_dates(conn: Connection, subject_id: int, record_types: Sequence[str]) -> list[date]:
    """The days on which the subject's records of ``record_types`` took effect or ended (valid
    time), in order."""
    return repository.effect_dates(conn, subject_id, record_types)


def suppression_reasons(
    conn: Connection, chain_ids: Sequence[str], known_at: datetime | None = None
) -> dict[str, str]:
    """chain id -> the reason of its open suppression (now, or as known at ``known_at``): a
    repaired or deleted record says so instead of "suspended"."""
    return repository.suppression_reasons(conn, chain_ids, known_at)


def extract_tables(conn: Connection, record_types: Sequence[str]) -> dict[str, pa.Table]:
    """``record_current``, ``record_statements`` (of ``record_types``) and
    ``record_suppressions`` as Arrow tables with the tables' column names and payloads as JSON
    text, so a compiled rating runs on DuckDB and Spark as on the database."""
    return repository.extract_tables(conn, record_types)


def json_text(payload: Any) -> str:
    """A payload as JSON text, as ``extract_tables`` writes it."""
    return repository.json_text(payload)


# -- what notices read of records -------------------------------------------------------------


def delisted_or_confirmed(conn: Connection, subject_ids: Sequence[int]) -> list[CurrentRecord]:
    """The current views of these subjects' chains that were delisted or confirmed (what the
    subject may be owed a notice about), by subject and chain."""
    return [_current(row) for row in repository.delisted_or_confirmed(conn, subject_ids)]


@dataclass(frozen=True, slots=True)
class RecordRef:
    """How a subject knows a record: its chain's current type, the furnisher's reference
    (``source_ref``), the furnisher and the start of its effect."""

    record_id: str
    chain_id: str
    record_type: str
    source_ref: str
    furnisher_id: str
    effective_from: date


def record_refs(conn: Connection, record_ids: Iterable[str]) -> dict[str, RecordRef]:
    """record id (of any revision) -> its reference, for the ids on record."""
    return {row["record_id"]: RecordRef(**row) for row in repository.record_refs(conn, record_ids)}
