"""Appending statements: identity resolution by identifier only, idempotent append-only
writes, the derived current view, the change feed and same-transaction re-evaluation hooks.

The API and file ingestion both go through ``append_statements``, so there is one write path.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import Connection, Dialect

from credo.audit import service as audit
from credo.catalog.catalogue import Catalogue
from credo.catalog.models import RecordType
from credo.clock import Clock
from credo.db.bulk import BoundRows
from credo.records import effect
from credo.records import repository as records_repo
from credo.records.model import RecordInput, Rejection, RowOutcome, Statement
from credo.records.queries import EndedChain
from credo.records.validate import StatementValidator, record_input_to_raw
from credo.subjects import service as subjects


class SubjectHook(Protocol):
    """Called inside the write transaction with the ids of subjects whose records changed, so
    ratings and list entries are current before the write is acknowledged. ``record_types``:
    the types of the records written, when the change is only that (a hook may then leave
    alone what reads none of them); None when anything may have changed (a dispute, a
    merge, a deferred bulk pass)."""

    def __call__(
        self,
        conn: Connection,
        subject_ids: set[int],
        record_types: frozenset[str] | None = None,
    ) -> None: ...


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def chain_id_of(furnisher_id: str, source_ref: str) -> str:
    return _digest(furnisher_id, source_ref)


def record_id_of(furnisher_id: str, source_ref: str, revision: int) -> str:
    """Deterministic: the same furnisher, source reference and revision give the same id."""
    return _digest(furnisher_id, source_ref, str(revision))


def content_hash_of(statement: Statement) -> str:
    body: tuple[Any, ...] = (
        statement.record_type,
        statement.action,
        statement.subject_kind.value,
        [(i.scheme, i.value) for i in statement.identifiers],
        str(statement.occurred_on),
        str(statement.effective_from),
        statement.finality,
        statement.payload,
        statement.evidence,
    )
    if statement.has_term or statement.review_on is not None:  # older hashes stay as they were
        body += (str(statement.term_ends_on), statement.term_until, str(statement.review_on))
    return hashlib.blake2b(
        orjson.dumps(body, option=orjson.OPT_SORT_KEYS), digest_size=16
    ).hexdigest()


@dataclass
class _Pending:
    row: int
    statement: Statement
    stored: dict[str, Any]  # the record_statements row, less subject_id and received_at
    subject_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    bound: list[Any] | None = None  # ``stored`` converted for the database, when prepared so

    @property
    def record_id(self) -> str:
        return str(self.stored["record_id"])

    @property
    def chain_id(self) -> str:
        return str(self.stored["chain_id"])

    @property
    def content_hash(self) -> str:
        return str(self.stored["content_hash"])


@dataclass
class PreparedBatch:
    """Statements with their ids, content hashes and rows computed: the part of an append
    that needs no database, so bulk loaders can do it outside the write lock."""

    furnisher_id: str  # MIXED: each statement row names its own
    items: list[tuple[int, Statement]]
    pending: list[_Pending]
    bound: BoundRows | None = None  # the columns and dialect of each ``_Pending.bound``


MIXED = "*"  # the furnisher of a batch whose statements have several (``append_mixed``)


def submit_records(
    conn: Connection, ctx: WriteContext, furnisher_id: str, items: Sequence[RecordInput]
) -> list[RowOutcome]:
    """Records submitted one by one or in small batches (the furnishers' HTTP API): validated,
    then appended; each item ends accepted, duplicate or quarantined with a reason."""
    return submit_rows(conn, ctx, furnisher_id, [record_input_to_raw(item) for item in items])


def submit_rows(
    conn: Connection, ctx: WriteContext, furnisher_id: str, rows: Sequence[Mapping[str, Any]]
) -> list[RowOutcome]:
    """Raw rows as one furnisher (the shape a mapping or the API produces): each is validated,
    the valid ones appended; the outcomes come back in the rows' order."""
    validator = StatementValidator(ctx.catalogue, furnisher_id, ctx.clock.today())
    outcomes: dict[int, RowOutcome] = {}
    valid: list[tuple[int, Statement]] = []
    for index, row in enumerate(rows):
        checked = validator.validate(dict(row))
        if isinstance(checked, Rejection):
            outcomes[index] = RowOutcome(index, "quarantined", reason=checked)
        else:
            valid.append((index, checked))
    for outcome in append_statements(conn, ctx, furnisher_id, valid):
        outcomes[outcome.row] = outcome
    return [outcomes[i] for i in range(len(rows))]


def prepare_statements(
    catalogue: Catalogue,
    furnisher_id: str,
    items: Sequence[tuple[int, Statement]],
    dialect: Dialect | None = None,
) -> PreparedBatch:
    """With ``dialect``, the statement rows are also converted for that database."""
    pending = []
    for row, statement in items:
        record_type = catalogue.record_types[statement.record_type]
        stored = _statement_row(statement, record_type, furnisher_id)
        pending.append(_Pending(row, statement, stored, warnings=list(statement.warnings)))
    return _bind(PreparedBatch(furnisher_id, list(items), pending), dialect)


def _bind(batch: PreparedBatch, dialect: Dialect | None) -> PreparedBatch:
    if dialect is not None and batch.pending:
        batch.bound = records_repo.bind_statements(dialect, [p.stored for p in batch.pending])
        for p, values in zip(batch.pending, batch.bound.values, strict=True):
            p.bound = values
    return batch


def _statement_row(s: Statement, record_type: RecordType, furnisher_id: str) -> dict[str, Any]:
    """The stored statement. ``effect_until``/``end_reason`` are what this statement alone
    implies; ``_write`` replaces them with the chain's folded effect before inserting."""
    ceiling = (
        effect.ceiling_end(record_type.max_effect, s.effective_from)
        if s.action in ("assert", "correct", "confirm")
        else None
    )
    until, reason = effect.term_end(
        effect.Term(s.term_ends_on, s.term_until), ceiling or s.effective_from
    )
    return {
        "record_id": record_id_of(furnisher_id, s.source_ref, s.revision),
        "chain_id": chain_id_of(furnisher_id, s.source_ref),
        "revision": s.revision,
        "action": s.action,
        "furnisher_id": furnisher_id,
        "source_ref": s.source_ref,
        "record_type": s.record_type,
        "subject_id": None,
        "occurred_on": s.occurred_on,
        "effective_from": s.effective_from,
        "effect_until": until,
        "expires_on": record_type.retention_max.add_to(s.occurred_on),
        "finality": s.finality,
        "term_ends_on": s.term_ends_on,
        "term_until": s.term_until,
        "review_on": s.review_on,
        "ceiling_until": ceiling,
        "end_reason": reason,
        "payload": s.payload,
        "evidence": s.evidence,
        "provenance": s.provenance,
        "content_hash": content_hash_of(s),
        "received_at": None,
    }


# Statements that give or keep a record's effect: those a furnisher held for review (G-49)
# cannot send; those that only end it (revoke, delist, perform) go through, so a hold never
# keeps a wrong record in effect longer.
HELD_ACTIONS = frozenset({"assert", "correct", "confirm"})


class HeldFurnishers(Protocol):
    """Of ``furnisher_ids``, those held for review now (G-49), each with the rejection its
    held statements get. ``credo.quality`` decides holds; it sits above records, so the edge
    (``credo.context``) passes its check in."""

    def __call__(self, conn: Connection, furnisher_ids: set[str]) -> dict[str, Rejection]: ...


def nothing_held(conn: Connection, furnisher_ids: set[str]) -> dict[str, Rejection]:
    """No hold check: for writers that build their own context (tests, benchmarks)."""
    return {}


@dataclass
class WriteContext:
    """What a write needs besides the connection: passed in, never global."""

    catalogue: Catalogue
    clock: Clock
    hooks: Sequence[SubjectHook] = ()
    # When set, a bulk load collects the changed subjects here instead of running the hooks
    # per batch, and runs them once afterwards (``run_hooks``) in large set-based passes.
    # Derived state lags until then: only loaders that finish that pass before serving use it.
    deferred: set[int] | None = None
    # The furnisher hold check of every write (G-49), always chosen by the caller:
    # ``AppContext.write_context`` passes credo.quality's; only a writer that knows no
    # furnisher can be held (a test's own registry, a rederivation that writes no records)
    # passes ``nothing_held``.
    holds: HeldFurnishers = field(kw_only=True)

    def deferring(self) -> WriteContext:
        """A copy that defers the hooks into a fresh set of changed subjects."""
        return replace(self, deferred=set())


def run_hooks(
    conn: Connection,
    ctx: WriteContext,
    subject_ids: set[int],
    record_types: frozenset[str] | None = None,
) -> None:
    """Re-derive ratings, list entries and notices for ``subject_ids`` in ``conn``'s
    transaction (every hook, in order; ``record_types`` as for ``SubjectHook``)."""
    if subject_ids:
        for hook in ctx.hooks:
            hook(conn, subject_ids, record_types)


def subjects_changed(
    conn: Connection,
    ctx: WriteContext,
    subject_ids: set[int],
    record_types: frozenset[str] | None = None,
) -> None:
    """Run the hooks now, or note the subjects when ``ctx`` defers them (a bulk load; its
    one pass afterwards re-derives everything of theirs)."""
    if ctx.deferred is not None:
        ctx.deferred |= subject_ids
    else:
        run_hooks(conn, ctx, subject_ids, record_types)


def append_statements(
    conn: Connection,
    ctx: WriteContext,
    furnisher_id: str,
    items: Sequence[tuple[int, Statement]],
) -> list[RowOutcome]:
    """Append validated statements in the caller's transaction; one outcome per item."""
    return append_prepared(conn, ctx, prepare_statements(ctx.catalogue, furnisher_id, items))


def append_mixed(
    conn: Connection,
    ctx: WriteContext,
    items: Sequence[tuple[int, Statement, str]],
) -> list[RowOutcome]:
    """``append_statements`` for statements of several furnishers (a multi-authority file):
    each ``(row, statement, furnisher_id)`` is written as that furnisher's (its ids, its
    ``furnisher_id``, its audit actor, its hold), all in one batch."""
    return append_prepared(conn, ctx, prepare_mixed(ctx.catalogue, items))


def prepare_mixed(
    catalogue: Catalogue,
    items: Sequence[tuple[int, Statement, str]],
    dialect: Dialect | None = None,
) -> PreparedBatch:
    """``prepare_statements`` for ``append_mixed``'s batches (each statement its furnisher's)."""
    pending = []
    for row, statement, furnisher_id in items:
        record_type = catalogue.record_types[statement.record_type]
        stored = _statement_row(statement, record_type, furnisher_id)
        pending.append(_Pending(row, statement, stored, warnings=list(statement.warnings)))
    batch = PreparedBatch(MIXED, [(row, statement) for row, statement, _ in items], pending)
    return _bind(batch, dialect)


def append_prepared(conn: Connection, ctx: WriteContext, batch: PreparedBatch) -> list[RowOutcome]:
    """The database part of ``append_statements`` for a batch prepared beforehand. A record
    id sent again in the same batch starts a later round, with the rows after it: whether it
    is a duplicate, a conflict or decided afresh depends on what became of the first, and
    like every row it sees what the rows before it did, never what the rows after it do (so
    a batch decides each row as one-at-a-time writes would: test_bulk_equivalence.py).
    Repeats within one delivery are rare; a resent file is a later run, not a later round."""
    decided: dict[int, RowOutcome] = {}
    for part in _rounds(batch):
        decided.update((o.row, o) for o in _append_round(conn, ctx, part))
    return [decided[row] for row, _ in batch.items]


def _rounds(batch: PreparedBatch) -> list[PreparedBatch]:
    """The batch cut before each record id it repeats: no round holds an id twice."""
    cuts: list[list[int]] = [[]]
    seen: set[str] = set()
    for index, p in enumerate(batch.pending):
        if p.record_id in seen:
            cuts.append([])
            seen = set()
        seen.add(p.record_id)
        cuts[-1].append(index)
    return [batch] if len(cuts) == 1 else [_subset(batch, indexes) for indexes in cuts]


def _subset(batch: PreparedBatch, indexes: list[int]) -> PreparedBatch:
    bound = batch.bound
    if bound is not None:
        bound = BoundRows(bound.dialect, bound.columns, [bound.values[i] for i in indexes])
    return PreparedBatch(
        batch.furnisher_id,
        [batch.items[i] for i in indexes],
        [batch.pending[i] for i in indexes],
        bound,
    )


def _append_round(conn: Connection, ctx: WriteContext, batch: PreparedBatch) -> list[RowOutcome]:
    furnisher_id, items = batch.furnisher_id, batch.items
    outcomes: dict[int, RowOutcome] = {}
    pending = _dedupe(conn, batch.pending, outcomes)
    pending = _hold_back(conn, ctx, pending, outcomes)
    now = ctx.clock.now()
    _resolve_subjects(conn, ctx, pending, outcomes, now)
    pending = [p for p in pending if p.row not in outcomes]
    chains = [p.chain_id for p in pending]
    current = records_repo.current_rows(conn, chains)  # read once: refusals and the fold
    pending = _refuse_deleted_and_mismatched(conn, pending, outcomes, current, now)
    if pending:
        _write(conn, furnisher_id, pending, current, now, batch.bound)
    for p in pending:
        outcomes[p.row] = RowOutcome(
            p.row, "accepted", p.record_id, p.subject_id, warnings=p.warnings
        )
    changed = {p.subject_id for p in pending if p.subject_id is not None}
    subjects_changed(conn, ctx, changed, _types_touched(pending, current))
    return [outcomes[row] for row, _ in items]


def _types_touched(pending: list[_Pending], current: dict[str, dict[str, Any]]) -> frozenset[str]:
    """The record types a batch changed: its own, and a corrected chain's type before."""
    types = {p.statement.record_type for p in pending}
    types.update(current[p.chain_id]["record_type"] for p in pending if p.chain_id in current)
    return frozenset(types)


def _dedupe(
    conn: Connection, pending: list[_Pending], outcomes: dict[int, RowOutcome]
) -> list[_Pending]:
    """Drop statements already stored: resending is harmless, but the same id with different
    content is a conflict, never an overwrite (a round holds each id once: ``_rounds``)."""
    stored = records_repo.existing_statements(conn, [p.record_id for p in pending])
    kept: list[_Pending] = []
    for p in pending:
        earlier = stored.get(p.record_id)
        if earlier is None:
            kept.append(p)
        elif earlier == p.content_hash:
            outcomes[p.row] = RowOutcome(p.row, "duplicate", p.record_id)
        else:
            outcomes[p.row] = RowOutcome(
                p.row,
                "quarantined",
                p.record_id,
                reason=Rejection(
                    "revision_conflict",
                    f"{p.statement.source_ref!r} revision {p.statement.revision} was already "
                    "received with different content; send a correction with a higher revision",
                ),
            )
    return kept


def _hold_back(
    conn: Connection, ctx: WriteContext, pending: list[_Pending], outcomes: dict[int, RowOutcome]
) -> list[_Pending]:
    """G-49: while a furnisher is held for review, its statements that give or keep effect
    are held with the reason (nothing written: it sends them again after the release);
    revocations, delistings and performance go through. Each statement's own furnisher
    (a batch of ``append_mixed`` has several)."""
    furnishers = {str(p.stored["furnisher_id"]) for p in pending}
    holds = ctx.holds(conn, furnishers)
    if not holds:
        return pending
    kept = []
    for p in pending:
        reason = holds.get(str(p.stored["furnisher_id"]))
        if reason is not None and p.statement.action in HELD_ACTIONS:
            outcomes[p.row] = RowOutcome(p.row, "quarantined", p.record_id, reason=reason)
        else:
            kept.append(p)
    return kept


def _resolve_subjects(
    conn: Connection,
    ctx: WriteContext,
    pending: list[_Pending],
    outcomes: dict[int, RowOutcome],
    now: datetime,
) -> None:
    """Resolve each statement to exactly one subject by its identifiers (never by name, G-19).
    Unknown subjects are created only where the record type allows it; conflicting
    identifiers go to the review queue with no effect (G-40)."""
    # A statement that follows, in the same batch, an assert that registers its subject (a
    # full-list delivery's confirmation of a new entry) joins the subject that assert
    # creates, as it would had the assert been sent first; without one it is unknown.
    created: set[tuple[str, str]] = set()  # first identifiers of those asserts so far
    keys = {(i.scheme, i.value) for p in pending for i in p.statement.identifiers}
    known = subjects.find_subject_ids(conn, keys)
    kinds = subjects.subject_kinds(conn, known.values())
    to_create: dict[tuple[str, str], list[_Pending]] = {}
    reviews: list[dict[str, Any]] = []
    new_identifiers: list[dict[str, Any]] = []
    for p in pending:
        ids = {
            known[k] for k in ((i.scheme, i.value) for i in p.statement.identifiers) if k in known
        }
        if len(ids) > 1:
            outcomes[p.row] = _ambiguous(p, sorted(ids), reviews, now)
            continue
        if ids:
            p.subject_id = ids.pop()
            if kinds.get(p.subject_id) != p.statement.subject_kind.value:
                outcomes[p.row] = RowOutcome(
                    p.row,
                    "quarantined",
                    reason=Rejection(
                        "subject_kind_mismatch",
                        f"the identifier names a {kinds.get(p.subject_id)},"
                        f" not a {p.statement.subject_kind.value}",
                    ),
                )
                continue
            new_identifiers += _unknown_identifiers(p, known, now)
            continue
        record_type = ctx.catalogue.record_types[p.statement.record_type]
        follows_assert = p.statement.action == "assert" or _first_key(p.statement) in created
        if not record_type.creates_subject or not follows_assert:
            outcomes[p.row] = RowOutcome(
                p.row,
                "quarantined",
                reason=Rejection(
                    "unknown_subject",
                    "no subject has these identifiers and "
                    + (
                        f"only an assert registers one (this row is a {p.statement.action})"
                        if record_type.creates_subject
                        else f"{record_type.id!r} records do not register new subjects "
                        "(the record type's creates_subject is false)"
                    ),
                ),
            )
            continue
        created.add(_first_key(p.statement))
        to_create.setdefault(_first_key(p.statement), []).append(p)
    _create_subjects(conn, to_create, known, new_identifiers, now)
    subjects.add_identifiers(conn, _dedupe_identifiers(new_identifiers))
    reviews += _checksum_reviews([p for p in pending if p.row not in outcomes], now)
    subjects.queue_for_review(conn, reviews)


def _first_key(statement: Statement) -> tuple[str, str]:
    first = statement.identifiers[0]
    return first.scheme, first.value


def _ambiguous(
    p: _Pending, subject_ids: list[int], reviews: list[dict[str, Any]], now: datetime
) -> RowOutcome:
    detail = (
        f"the identifiers of {p.statement.source_ref!r} name {len(subject_ids)} different "
        f"subjects ({', '.join(map(str, subject_ids))}): held for review, no effect (G-19)"
    )
    reviews.append(
        {
            "queue": "identity",
            "reason_code": "identity_ambiguous",
            "detail": detail,
            "subject_id": None,
            "dedupe_key": f"ambiguous:{p.record_id}",
            "payload": {
                "record_id": p.record_id,
                "subject_ids": subject_ids,
                "identifiers": [[i.scheme, i.value] for i in p.statement.identifiers],
            },
            "status": "open",
            "created_at": now,
        }
    )
    return RowOutcome(
        p.row, "quarantined", p.record_id, reason=Rejection("identity_ambiguous", detail)
    )


def _unknown_identifiers(
    p: _Pending, known: dict[tuple[str, str], int], now: datetime
) -> list[dict[str, Any]]:
    rows = []
    for ident in p.statement.identifiers:
        if (ident.scheme, ident.value) not in known:
            known[(ident.scheme, ident.value)] = p.subject_id or 0
            rows.append(
                {
                    "scheme": ident.scheme,
                    "value": ident.value,
                    "subject_id": p.subject_id,
                    "check_ok": ident.check_ok,
                    "created_at": now,
                }
            )
    return rows


def _create_subjects(
    conn: Connection,
    to_create: dict[tuple[str, str], list[_Pending]],
    known: dict[tuple[str, str], int],
    new_identifiers: list[dict[str, Any]],
    now: datetime,
) -> None:
    groups = list(to_create.values())
    rows = []
    for group in groups:
        statement = next(
            (p.statement for p in group if p.statement.action == "assert"), group[0].statement
        )
        birth = next((i.birth_date for i in statement.identifiers if i.birth_date), None)
        rows.append(
            {
                "kind": statement.subject_kind.value,
                "display_name": statement.subject_name,
                "birth_date": birth,
                "created_at": now,
            }
        )
    for group, subject_id in zip(groups, subjects.create_subjects(conn, rows), strict=True):
        for p in group:
            p.subject_id = subject_id
            new_identifiers += _unknown_identifiers(p, known, now)


def _dedupe_identifiers(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    unique: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        unique.setdefault((row["scheme"], row["value"]), row)
    return list(unique.values())


def _checksum_reviews(pending: list[_Pending], now: datetime) -> list[dict[str, Any]]:
    reviews = []
    for p in pending:
        for ident in p.statement.identifiers:
            if not ident.check_ok:
                reviews.append(
                    {
                        "queue": "identity",
                        "reason_code": "identifier_check_failed",
                        "detail": ident.warning or f"{ident.scheme} {ident.value}: check failed",
                        "subject_id": p.subject_id,
                        "dedupe_key": f"check:{ident.scheme}:{ident.value}",
                        "payload": {"scheme": ident.scheme, "value": ident.value},
                        "status": "open",
                        "created_at": now,
                    }
                )
    return reviews


def _refuse_deleted_and_mismatched(
    conn: Connection,
    pending: list[_Pending],
    outcomes: dict[int, RowOutcome],
    current: dict[str, dict[str, Any]],
    now: datetime,
) -> list[_Pending]:
    """The checks against each chain as it stands when the statement arrives: a statement
    is checked after the batch's earlier statements of its chain, as if each had been sent
    alone (the chain folded so far, by the one fold), so splitting a stream into batches
    changes nothing."""
    deleted = records_repo.deleted_chains(conn, [p.chain_id for p in pending])
    asserted = {p.chain_id for p in pending if p.statement.action == "assert"}
    repeated = {c for c, n in Counter(p.chain_id for p in pending).items() if n > 1}
    so_far: dict[str, dict[str, Any]] = {}  # chains of several statements, folded in order
    kept = []
    for p in pending:
        existing = so_far.get(p.chain_id) or current.get(p.chain_id)
        if p.chain_id in deleted:
            reason = Rejection(
                "record_deleted",
                f"{p.statement.source_ref!r} was deleted (upheld dispute or the end "
                "of its retention); it can only return with a new source decision under "
                "a new source reference (G-31)",
            )
        elif existing and existing["record_type"] != p.statement.record_type:
            reason = Rejection(
                "chain_type_mismatch",
                f"{p.statement.source_ref!r} is a "
                f"{existing['record_type']!r} record, not {p.statement.record_type!r}",
            )
        elif existing and existing["subject_id"] != p.subject_id:
            reason = Rejection(
                "chain_subject_mismatch",
                f"{p.statement.source_ref!r} concerns "
                "another subject; revoke it and send a new record instead",
            )
        elif existing is None and p.statement.action != "assert" and p.chain_id not in asserted:
            reason = Rejection(
                "unknown_record",
                f"{p.statement.action!r} of {p.statement.source_ref!r}, which was never asserted",
            )
        elif existing and _ended_for(p.statement.action, existing["state"]):
            reason = Rejection(
                "record_ended",
                f"{p.statement.source_ref!r} has already ended ({existing['end_reason']}); "
                f"a {p.statement.action!r} needs a record in effect; send a correction to "
                "reinstate it",
            )
        else:
            kept.append(p)
            if p.chain_id in repeated:
                row = {**p.stored, "subject_id": p.subject_id, "received_at": now}
                so_far[p.chain_id] = fold_statement(existing, row, now)
            continue
        outcomes[p.row] = RowOutcome(p.row, "quarantined", p.record_id, reason=reason)
    return kept


def _ended_for(action: str, state: str) -> bool:
    """An annulled record can only be corrected; an ended one can't be confirmed or delisted."""
    if state == "revoked":
        return action != "correct"
    return state != "active" and action in ("confirm", "delist")


def _write(
    conn: Connection,
    furnisher_id: str,
    pending: list[_Pending],
    current: dict[str, dict[str, Any]],
    now: datetime,
    bound: BoundRows | None = None,
) -> None:
    statement_rows = []
    for p in pending:
        p.stored["subject_id"] = p.subject_id
        p.stored["received_at"] = now
        statement_rows.append(p.stored)
    # Fold first: each statement row is stored with the chain's effect after it.
    current_rows = _current_rows(conn, statement_rows, current, now)
    if bound is not None and bound.dialect == conn.dialect.name:
        _insert_bound(conn, bound, pending, now)
    else:
        records_repo.insert_statements(conn, statement_rows)
    records_repo.upsert_current(conn, current_rows)
    records_repo.append_feed(
        conn,
        [
            {
                "subject_id": r["subject_id"],
                "kind": "record",
                "ref": r["record_id"],
                "created_at": now,
            }
            for r in statement_rows
        ],
    )
    audit.record_statements(conn, furnisher_id, statement_rows, now)  # G-47, one batch


def _insert_bound(
    conn: Connection, bound: BoundRows, pending: list[_Pending], now: datetime
) -> None:
    """Insert the rows converted when the batch was prepared, with the two values known only
    now: the subject and the time of receipt."""
    subject_at = bound.columns.index("subject_id")
    received_at = bound.columns.index("received_at")
    stamped = [
        (bound.columns.index(name), name, records_repo.statement_binder(conn.dialect, name))
        for name in _STAMPED
    ]
    received = records_repo.statement_binder(conn.dialect, "received_at")(now)
    values = []
    for p in pending:
        assert p.bound is not None
        p.bound[subject_at] = p.subject_id
        p.bound[received_at] = received
        for at, name, bind in stamped:  # the fold's values, known only now
            p.bound[at] = bind(p.stored[name])
        values.append(p.bound)
    records_repo.insert_bound_statements(conn, BoundRows(bound.dialect, bound.columns, values))


def _current_rows(
    conn: Connection,
    statement_rows: list[dict[str, Any]],
    current: dict[str, dict[str, Any]],
    now: datetime,
) -> list[dict[str, Any]]:
    """Fold the new statements, in revision order, over each chain's current row (as read
    before this batch's statements were inserted: inserting them does not touch the view)."""
    changed: dict[str, dict[str, Any]] = {}
    late: set[str] = set()
    for row in sorted(statement_rows, key=lambda r: (r["chain_id"], r["revision"])):
        before = changed.get(row["chain_id"]) or current.get(row["chain_id"])
        if before is not None and before["revision"] > row["revision"]:
            late.add(row["chain_id"])
            continue
        changed[row["chain_id"]] = fold_and_stamp(before, row, now)
    for chain_id in late:
        # An older revision arrived after a newer one (rare): refold the chain's whole history
        # in revision order, so the view never depends on arrival order.
        # The batch's rows are not inserted yet: fold them in with the stored ones.
        refolded: dict[str, Any] | None = None
        batch = [r for r in statement_rows if r["chain_id"] == chain_id]
        stored = [dict(s) for s in records_repo.statements_of_chain(conn, chain_id)]
        for statement in sorted(stored + batch, key=lambda r: r["revision"]):
            refolded = fold_and_stamp(refolded, statement, now)
        if refolded is not None:
            refolded["first_received_at"] = current[chain_id]["first_received_at"]
            changed[chain_id] = refolded
    return list(changed.values())


_DECISION_COLUMNS = (
    "record_type",
    "subject_id",
    "furnisher_id",
    "source_ref",
    "occurred_on",
    "effective_from",
    "expires_on",
    "finality",
    "payload",
    "term_ends_on",
    "term_until",
    "review_on",
    "ceiling_until",
)
_TERM_COLUMNS = ("term_ends_on", "term_until", "review_on")


_STAMPED = ("effect_until", "end_reason", "expires_on")


def fold_and_stamp(
    before: dict[str, Any] | None, row: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """Fold ``row`` and stamp it with the chain's effect after it (end, reason, retention),
    so the statements received by a moment say what was known then."""
    folded = fold_statement(before, row, now)
    row.update({k: folded[k] for k in _STAMPED})
    return folded


def fold_statement(
    before: dict[str, Any] | None, row: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """The current view of a chain after one more statement (pure; used by rebuilds too).
    The effect's end and its reason come from credo.records.effect."""
    action = row["action"]
    base = dict(before) if before else {"first_received_at": row["received_at"]}
    if action in ("assert", "correct") or before is None:
        base.update({k: row.get(k) for k in _DECISION_COLUMNS})
        if base["ceiling_until"] is None:  # a chain that starts with an ending statement
            base["ceiling_until"] = row["effect_until"]
        base.update(state="active", performed_on=None, ended_on=None, confirmed_on=None)
    else:
        base["payload"] = {**(before["payload"] or {}), **(row["payload"] or {})}
        if action == "confirm":
            base["confirmed_on"] = row["effective_from"]
            base["ceiling_until"] = max(base["ceiling_until"], row["ceiling_until"])
            base["expires_on"] = max(base["expires_on"], row["expires_on"])
            if row.get("term_ends_on") is not None or row.get("term_until") is not None:
                base.update({k: row.get(k) for k in _TERM_COLUMNS})
        elif action in ("perform", "delist"):
            on = _performed_on(row) if action == "perform" else row["effective_from"]
            if action == "perform":
                base["performed_on"] = on
            # The first end stands: a later event does not reopen or extend the effect.
            if base.get("ended_on") is None or on < base["ended_on"]:
                base["ended_on"], base["state"] = on, effect.STATE_OF_ACTION[action]
        else:  # revoke
            base["state"] = "revoked"
    base["effect_until"], base["end_reason"] = _folded_end(base)
    base.update(
        {
            "chain_id": row["chain_id"],
            "record_id": row["record_id"],
            "revision": row["revision"],
            "updated_at": now,
        }
    )
    return base


def _folded_end(view: dict[str, Any]) -> tuple[date, str]:
    term = effect.Term(view.get("term_ends_on"), view.get("term_until"))
    end, reason = effect.term_end(term, view["ceiling_until"])
    if view["state"] == "revoked":
        return end, effect.ANNULLED
    event = effect.PERFORMED if view["state"] == "performed" else effect.DELISTED
    return effect.cut_short(end, reason, view.get("ended_on"), event)


def _performed_on(row: dict[str, Any]) -> date:
    performed = (row["payload"] or {}).get("performed_on")
    return date.fromisoformat(performed) if isinstance(performed, str) else row["occurred_on"]


# -- writes about records that are not statements --------------------------------------------


def add_subject_statement(
    conn: Connection, subject_id: int, chain_id: str, text: str, now: datetime
) -> int:
    """Store the subject's statement about a chain (G-32) and tell every worker's check index
    through the feed, since decisions carry it from now on; the statement's id."""
    statement_id = records_repo.insert_subject_statement(
        conn, {"subject_id": subject_id, "chain_id": chain_id, "text": text, "created_at": now}
    )
    records_repo.append_feed(
        conn,
        [
            {
                "subject_id": subject_id,
                "kind": "statement",
                "ref": str(statement_id),
                "created_at": now,
            }
        ],
    )
    return statement_id


def mark_ended(conn: Connection, ended: Sequence[EndedChain], now: datetime) -> None:
    """Note that the scheduled job processed these ends, so a rerun does nothing twice."""
    records_repo.mark_ended(
        conn,
        [{"chain_id": e.chain_id, "kind": e.kind, "on": e.on, "processed_at": now} for e in ended],
    )


# -- changes of effect that no statement makes (due process, expiry) -------------------------


def suppress(
    conn: Connection, chain_id: str, subject_id: int, reason: str, ref: str, at: datetime
) -> None:
    """Take the chain's effect away from ``at`` under ``reason``, until ``ref`` lifts it."""
    records_repo.open_suppression(conn, chain_id, subject_id, reason, ref, at)


def lift_suppressions(conn: Connection, ref: str, at: datetime) -> None:
    """Close every open suppression ``ref`` opened."""
    records_repo.close_suppressions(conn, ref, at)


def effect_changed(
    conn: Connection, ctx: WriteContext, subject_ids: set[int], kind: str, ref: str, now: datetime
) -> None:
    """The effect of these subjects' records changed without a statement (a suppression, an
    expiry): one change-feed row each, for the check index, then the subject hooks (or their
    deferral), in the caller's transaction."""
    rows = [
        {"subject_id": s, "kind": kind, "ref": ref, "created_at": now} for s in sorted(subject_ids)
    ]
    records_repo.append_feed(conn, rows)
    subjects_changed(conn, ctx, subject_ids)


def announce_subjects_of_furnisher(
    conn: Connection, furnisher_id: str, kind: str, now: datetime
) -> int:
    """A change-feed row (``kind``, the furnisher as ref) for every subject with a record of
    the furnisher, so every check worker reloads them (a hold or its release, G-49); the
    number of rows written. No subject hook runs: no record changed."""
    return records_repo.announce_subjects_of_furnisher(conn, furnisher_id, kind, now)
