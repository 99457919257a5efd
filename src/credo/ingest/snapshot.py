"""Full-list (snapshot) deliveries: the furnisher's complete current list of some record types
on a delivery date D (``credo ingest --snapshot``, ``POST /v1/records/snapshot``).

- A row whose entry is new is asserted as usual. A row whose entry is already on record is
  re-confirmed as of D: a ``confirm`` statement (next revision, occurred on D) carrying the
  row's term, so a changed term is taken (credo.records.effect). A row that a delivery of the
  same date already stated with the same content is sent again as that same statement, which
  the write path answers as a duplicate: re-delivering a file changes nothing.
- Every chain of the furnisher and those types that has not ended by D (state active, its
  effect's end after D) and that no row names is ended by a ``delist`` statement on D: its
  end reason is ``delisted``. A row that could not be accepted still names its entry (its
  source reference), so a bad row never delists it.
- A delivery that would delist more than ``max_delist_share`` of those chains is not applied
  but held, with its mapped rows, until an operator applies it (planned again against the
  state of that moment, without the limit) or rejects it.
- All or nothing: the statements, the quarantined rows, the run's counts, the delivery row,
  its audit entry and the notices are one transaction through the one write path
  (``records.service.append_statements``, so the subject hooks run and everything is
  audited). Every row ends accepted, duplicate or quarantined with a reason.

Statements written by a delivery carry ``provenance.full_list_on`` (D); that is how a second
delivery of the same date recognises what was already stated (provenance is not part of a
statement's content hash)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, RowMapping

from credo.audit import service as audit
from credo.errors import Conflict, NotFound, ValidationFailed
from credo.ingest import repository
from credo.ingest.mapping import Mapping, check_against_catalogue
from credo.ingest.readers import BadRow, file_digest, read_chunks
from credo.ingest.transform import RowMapper, quarantine_raw, without_nul
from credo.notices.record_notices import queue_record_notices
from credo.records import queries as records
from credo.records.model import Rejection, RowOutcome, Statement
from credo.records.queries import OpenChain, StatementHead
from credo.records.service import WriteContext, append_statements, chain_id_of, content_hash_of
from credo.records.validate import StatementValidator
from credo.subjects import service as subjects_service

DEFAULT_MAX_DELIST_SHARE = 0.1
PROVENANCE_KEY = "full_list_on"
COUNTS = (
    "rows_read",
    "accepted",
    "duplicate",
    "quarantined",
    "present",
    "in_effect",
    "new",
    "confirmed",
    "delisted",
    "delist_refused",
)
READ_CHUNK = 5000


@dataclass(slots=True)
class DeliveryRow:
    """One row of a delivery: the raw statement the validator reads (an assertion of the
    entry), or why the row could not be mapped or validated; the row as quarantine stores it;
    and the source reference it names, if any (so that its entry is not delisted)."""

    number: int
    raw: dict[str, Any] | None
    rejection: Rejection | None
    source: dict[str, Any]
    ref: str | None
    statement: Statement | None = None  # the validated raw (not stored with a held delivery)

    def to_json(self) -> list[Any]:
        reason = [self.rejection.code, self.rejection.detail] if self.rejection else None
        return [self.number, self.raw, reason, self.source, self.ref]

    @classmethod
    def from_json(cls, value: Sequence[Any]) -> DeliveryRow:
        number, raw, reason, source, ref = value
        rejection = Rejection(reason[0], reason[1]) if reason else None
        return cls(int(number), raw, rejection, source, ref)


@dataclass
class Delivery:
    """A furnisher's complete list of ``record_types`` on ``delivered_on``."""

    furnisher_id: str
    record_types: tuple[str, ...]
    delivered_on: date
    source_name: str
    source_key: str
    provenance: dict[str, Any]
    rows: list[DeliveryRow]
    created_by: str
    max_delist_share: float = DEFAULT_MAX_DELIST_SHARE
    run_id: int | None = None


@dataclass
class SnapshotResult:
    delivery_id: int
    status: str  # applied | held | rejected
    furnisher_id: str
    record_types: tuple[str, ...]
    delivered_on: date
    source_key: str
    max_delist_share: float
    counts: Counter[str] = field(default_factory=Counter)
    reasons: Counter[str] = field(default_factory=Counter)
    quarantined_rows: list[dict[str, Any]] = field(default_factory=list)
    delist_refused: list[dict[str, Any]] = field(default_factory=list)
    outcomes: dict[int, RowOutcome] = field(default_factory=dict)  # by row number
    repeated: bool = False  # the same delivery was already held or rejected: nothing new

    @property
    def delist_share(self) -> float:
        in_effect = self.counts["in_effect"]
        return self.counts["delisted"] / in_effect if in_effect else 0.0

    def add_up(self) -> bool:
        c = self.counts
        rows_ok = c["accepted"] + c["duplicate"] + c["quarantined"] == c["rows_read"]
        return rows_ok and c["new"] + c["confirmed"] == c["accepted"]

    def summary(self) -> dict[str, Any]:
        return {
            "delivery_id": self.delivery_id,
            "status": self.status,
            "furnisher": self.furnisher_id,
            "record_types": list(self.record_types),
            "delivered_on": self.delivered_on.isoformat(),
            "source_key": self.source_key,
            "counts": {k: self.counts[k] for k in COUNTS},
            "delist_share": round(self.delist_share, 6),
            "max_delist_share": self.max_delist_share,
            "counts_add_up": self.add_up(),
            "reasons": dict(sorted(self.reasons.items())),
        }


# -- reading a delivery -----------------------------------------------------------------------


def snapshot_types(mapping: Mapping, given: Sequence[str] = ()) -> tuple[str, ...]:
    """The record types a file delivery is the complete list of: the mapping's fixed type, or
    those named (required with ``record_type_column``)."""
    if given:
        if mapping.record_type and set(given) != {mapping.record_type}:
            raise ValidationFailed(
                f"the mapping's record type is {mapping.record_type!r}; a snapshot of it "
                f"cannot be the list of {', '.join(sorted(given))}",
                code="snapshot_types",
            )
        return tuple(sorted(set(given)))
    if mapping.record_type:
        return (mapping.record_type,)
    raise ValidationFailed(
        "the mapping takes the record type from a column: name the record types this file is "
        "the complete list of (--record-type, repeatable)",
        code="snapshot_types",
    )


def check_request(
    ctx: WriteContext,
    furnisher_id: str,
    record_types: Sequence[str],
    delivered_on: date,
    max_delist_share: float,
) -> None:
    catalogue = ctx.catalogue
    furnisher = catalogue.furnishers.get(furnisher_id)
    problems = []
    if furnisher is None:
        problems.append(f"furnisher {furnisher_id!r} is not registered")
    for type_id in record_types:
        if type_id not in catalogue.record_types:
            problems.append(f"record type {type_id!r} is not in the catalogue")
        elif furnisher is not None and type_id not in furnisher.remit:
            problems.append(f"furnisher {furnisher_id!r} may not write {type_id!r} (G-07)")
    if not record_types:
        problems.append("a full-list delivery names at least one record type")
    if delivered_on > ctx.clock.today():
        problems.append(f"the delivery date {delivered_on} is after today {ctx.clock.today()}")
    if not 0 <= max_delist_share <= 1:
        problems.append(f"max_delist_share {max_delist_share} is not between 0 and 1")
    if problems:
        raise ValidationFailed(
            "invalid full-list delivery: " + "; ".join(problems),
            code="invalid_snapshot",
            problems=problems,
        )


def read_file_delivery(
    ctx: WriteContext,
    path: Path,
    mapping: Mapping,
    mapping_bytes: bytes,
    furnisher_id: str,
    record_types: Sequence[str],
    delivered_on: date,
    *,
    created_by: str,
    max_delist_share: float = DEFAULT_MAX_DELIST_SHARE,
) -> Delivery:
    """Read, map and validate the whole file (nothing is written): a delivery is one unit."""
    if mapping.action_column or mapping.revision_column:
        raise ValidationFailed(
            "a full-list delivery lists the entries in effect, one assertion per row: the "
            "mapping's action_column and revision_column do not apply (send corrections, "
            "revocations and performance as a normal ingestion)",
            code="snapshot_mapping",
        )
    types = tuple(record_types)
    check_against_catalogue(mapping, ctx.catalogue, furnisher_id)
    check_request(ctx, furnisher_id, types, delivered_on, max_delist_share)
    marker = f"\x1fsnapshot\x1f{','.join(types)}\x1f{delivered_on.isoformat()}".encode()
    source_key = file_digest(path, mapping_bytes + marker)
    provenance = {**mapping.provenance.model_dump(exclude_none=True)}
    provenance[PROVENANCE_KEY] = delivered_on.isoformat()
    mapper = RowMapper(mapping, ctx.catalogue)  # payload dates read strictly, as in ingest
    checker = _RowChecker(ctx, furnisher_id, types, provenance)
    rows: list[DeliveryRow] = []
    for chunk in read_chunks(path, READ_CHUNK):
        for number, row in chunk:
            if isinstance(row, BadRow):
                source = {"_line": without_nul(row.text)}
                rows.append(
                    DeliveryRow(number, None, Rejection(row.code, row.detail), source, None)
                )
                continue
            source = quarantine_raw(row)
            raw = mapper.map(row, number)
            if isinstance(raw, Rejection):
                rows.append(DeliveryRow(number, None, raw, source, mapper.reference_of(row)))
                continue
            rows.append(checker.check(number, raw, source, mapper.explain))
    return Delivery(
        furnisher_id,
        types,
        delivered_on,
        str(path),
        source_key,
        provenance,
        rows,
        created_by,
        max_delist_share,
    )


def api_delivery(
    ctx: WriteContext,
    furnisher_id: str,
    record_types: Sequence[str],
    delivered_on: date,
    raws: Sequence[dict[str, Any]],
    *,
    created_by: str,
    max_delist_share: float = DEFAULT_MAX_DELIST_SHARE,
) -> Delivery:
    """A delivery of API records (``record_input_to_raw`` dicts), row numbers from 1."""
    types = tuple(sorted(set(record_types)))
    check_request(ctx, furnisher_id, types, delivered_on, max_delist_share)
    body = orjson.dumps([types, delivered_on, list(raws)], default=str)
    source_key = "api:" + hashlib.sha256(body).hexdigest()[:60]
    first = next((r.get("provenance") for r in raws if r.get("provenance")), None)
    provenance = dict(first or {"kind": "official_decision"})
    provenance[PROVENANCE_KEY] = delivered_on.isoformat()
    checker = _RowChecker(ctx, furnisher_id, types, provenance)
    rows = []
    for number, raw in enumerate(raws, start=1):
        source = orjson.loads(orjson.dumps(raw, default=str))
        rows.append(checker.check(number, dict(raw), source, None))
    return Delivery(
        furnisher_id,
        types,
        delivered_on,
        f"api:{furnisher_id}",
        source_key,
        provenance,
        rows,
        created_by,
        max_delist_share,
    )


class _RowChecker:
    """Validates a delivery's rows as assertions of its entries."""

    def __init__(
        self,
        ctx: WriteContext,
        furnisher_id: str,
        types: tuple[str, ...],
        provenance: dict[str, Any],
    ) -> None:
        self.validator = StatementValidator(ctx.catalogue, furnisher_id, ctx.clock.today())
        self.types = types
        self.marker = {PROVENANCE_KEY: provenance[PROVENANCE_KEY]}

    def check(
        self,
        number: int,
        raw: dict[str, Any],
        source: dict[str, Any],
        explain: Any,
    ) -> DeliveryRow:
        raw["provenance"] = {**(raw.get("provenance") or {}), **self.marker}
        ref = str(raw.get("source_ref") or "").strip() or None
        rejection = _not_an_entry(raw, self.types, number)
        if rejection is None:
            checked = self.validator.validate(raw)
            if isinstance(checked, Rejection):
                rejection = explain(checked, number) if explain else checked
            else:
                return DeliveryRow(number, raw, None, source, ref, checked)
        return DeliveryRow(number, None, rejection, source, ref)


def _not_an_entry(raw: dict[str, Any], types: tuple[str, ...], number: int) -> Rejection | None:
    if (raw.get("action") or "assert") != "assert" or raw.get("revision", 0) not in (0, None):
        return Rejection(
            "invalid_action",
            f"row {number}: a full-list delivery lists entries, each as an assertion "
            "(action 'assert', revision 0); send corrections, revocations and performance "
            "as normal statements",
        )
    if raw.get("record_type") not in types:
        return Rejection(
            "outside_delivery",
            f"row {number}: record type {raw.get('record_type')!r} is not one of the types "
            f"this delivery is the complete list of ({', '.join(types)})",
        )
    return None


# -- planning -----------------------------------------------------------------------------------


@dataclass
class _Plan:
    items: list[tuple[int, Statement]] = field(default_factory=list)
    kinds: dict[int, str] = field(default_factory=dict)  # new | confirm | restated | delist
    rejected: dict[int, Rejection] = field(default_factory=dict)  # input rows
    delists: dict[int, OpenChain] = field(default_factory=dict)  # negative numbers
    refused: list[dict[str, Any]] = field(default_factory=list)  # delists that failed validation
    present: int = 0
    in_effect: int = 0

    def count(self, kind: str) -> int:
        return sum(1 for k in self.kinds.values() if k == kind)

    @property
    def share(self) -> float:
        return len(self.delists) / self.in_effect if self.in_effect else 0.0


def _plan(conn: Connection, ctx: WriteContext, delivery: Delivery) -> _Plan:
    """What the delivery states against the registry as it is now (nothing is written)."""
    plan = _Plan()
    furnisher = delivery.furnisher_id
    on = delivery.delivered_on
    validator = StatementValidator(ctx.catalogue, furnisher, ctx.clock.today())
    present = {chain_id_of(furnisher, r.ref) for r in delivery.rows if r.ref}
    plan.present = len(present)
    entries: list[tuple[int, Statement, dict[str, Any]]] = []
    for row in delivery.rows:
        if row.raw is None:
            plan.rejected[row.number] = row.rejection or Rejection("malformed_row", "no row")
            continue
        statement = row.statement or validator.validate(row.raw)
        if isinstance(statement, Rejection):  # a held delivery re-validated later
            plan.rejected[row.number] = statement
        else:
            entries.append((row.number, statement, row.raw))
    chains = {n: chain_id_of(furnisher, s.source_ref) for n, s, _ in entries}
    current = records.current_of_chains(conn, chains.values())
    heads = records.statement_heads(conn, [c.record_id for c in current.values()])
    for number, statement, raw in entries:
        before = current.get(chains[number])
        if before is None:
            plan.items.append((number, statement))
            plan.kinds[number] = "new"
            _confirm_on_first_sight(validator, plan, number, statement, raw, on)
            continue
        same = _restated(validator, statement, raw, heads.get(before.record_id), on)
        if same is not None:
            plan.items.append((number, same))
            plan.kinds[number] = "restated"
            continue
        confirm = validator.validate(_confirm_raw(raw, before.revision + 1, on))
        if isinstance(confirm, Rejection):
            plan.rejected[number] = Rejection(
                confirm.code,
                f"row {number}: confirming {statement.source_ref!r} as of the delivery date "
                f"{on}: {confirm.detail}",
            )
        else:
            plan.items.append((number, confirm))
            plan.kinds[number] = "confirm"
    _plan_delists(conn, validator, delivery, present, plan)
    return plan


# Row numbers of the confirmations that accompany new entries: not rows of the file.
FIRST_SIGHT = -(1 << 40)


def _confirm_on_first_sight(
    validator: StatementValidator,
    plan: _Plan,
    number: int,
    statement: Statement,
    raw: dict[str, Any],
    on: date,
) -> None:
    """A new entry that started before the delivery date is on the furnisher's current list
    on that date: it is confirmed then, as every present entry is (otherwise an open-ended
    entry decided years ago would arrive already lapsed at its ceiling)."""
    if statement.action != "assert" or statement.effective_from >= on:
        return
    confirm = validator.validate(_confirm_raw(raw, statement.revision + 1, on))
    if isinstance(confirm, Statement):
        plan.items.append((FIRST_SIGHT - number, confirm))
        plan.kinds[FIRST_SIGHT - number] = "first_sight"


def _confirm_raw(raw: dict[str, Any], revision: int, on: date) -> dict[str, Any]:
    day = on.isoformat()
    return {
        **raw,
        "action": "confirm",
        "revision": revision,
        "occurred_on": day,
        "effective_from": day,
    }


def _restated(
    validator: StatementValidator,
    statement: Statement,
    raw: dict[str, Any],
    head: StatementHead | None,
    on: date,
) -> Statement | None:
    """The chain's latest statement again, when a delivery of the same date wrote it with the
    same content (then the write path answers it as a duplicate)."""
    if head is None or (head.provenance or {}).get(PROVENANCE_KEY) != on.isoformat():
        return None
    if head.action == "assert" and head.revision == statement.revision:
        candidate: Statement | Rejection = statement
    elif head.action == "confirm":
        candidate = validator.validate(_confirm_raw(raw, head.revision, on))
    else:
        return None
    if isinstance(candidate, Statement) and content_hash_of(candidate) == head.content_hash:
        return candidate
    return None


def _plan_delists(
    conn: Connection,
    validator: StatementValidator,
    delivery: Delivery,
    present: set[str],
    plan: _Plan,
) -> None:
    on = delivery.delivered_on
    open_chains = records.open_chains_of(conn, delivery.furnisher_id, delivery.record_types, on)
    plan.in_effect = len(open_chains)
    absent = [c for c in open_chains if c.chain_id not in present]
    subject_ids = {c.subject_id for c in absent}
    identifiers = subjects_service.identifiers_by_subject(conn, subject_ids)
    kinds = subjects_service.subject_kinds(conn, subject_ids)
    for index, chain in enumerate(absent, start=1):
        number = -index
        raw = {
            "record_type": chain.record_type,
            "source_ref": chain.source_ref,
            "revision": chain.revision + 1,
            "action": "delist",
            "subject_kind": kinds.get(chain.subject_id),
            "identifiers": identifiers.get(chain.subject_id, [])[:1],
            "occurred_on": on.isoformat(),
            "effective_from": on.isoformat(),
            "finality": chain.finality,
            "payload": {},
            "provenance": delivery.provenance,
        }
        checked = validator.validate(raw)
        plan.delists[number] = chain
        if isinstance(checked, Rejection):
            plan.refused.append(_refusal(chain, checked))
        else:
            plan.items.append((number, checked))
            plan.kinds[number] = "delist"


def _refusal(chain: OpenChain, reason: Rejection) -> dict[str, Any]:
    return {
        "source_ref": chain.source_ref,
        "record_id": chain.record_id,
        "reason": reason.code,
        "detail": reason.detail,
    }


# -- delivering ---------------------------------------------------------------------------------


def deliver(engine: Engine, ctx: WriteContext, delivery: Delivery) -> SnapshotResult:
    """Apply a file delivery in one transaction, or hold it when it would delist too much.
    Its run (``ingest_runs``) is committed first, as ``running``: a process killed during the
    delivery leaves that row and nothing else."""
    delivery.run_id = _start_run(engine, ctx, delivery)
    with engine.begin() as conn:
        return deliver_in(conn, ctx, delivery)


def deliver_in(conn: Connection, ctx: WriteContext, delivery: Delivery) -> SnapshotResult:
    """``deliver`` in the caller's transaction (the API's request transaction)."""
    repository.lock_deliveries(conn, delivery.furnisher_id)
    plan = _plan(conn, ctx, delivery)
    if plan.share > delivery.max_delist_share:
        return _hold(conn, ctx, delivery, plan)
    result = _apply(conn, ctx, delivery, plan)
    result.delivery_id = repository.insert_delivery(
        conn, _delivery_row(ctx, delivery, result, "applied")
    )
    _audit(conn, ctx, delivery.created_by, "applied", result)
    return result


def _start_run(engine: Engine, ctx: WriteContext, delivery: Delivery) -> int:
    with engine.begin() as conn:
        return repository.start_run(
            conn,
            source_key=delivery.source_key,
            source_name=delivery.source_name,
            mapping="snapshot",
            furnisher_id=delivery.furnisher_id,
            started_at=ctx.clock.now(),
        )


def _result(delivery: Delivery, status: str, delivery_id: int = 0) -> SnapshotResult:
    return SnapshotResult(
        delivery_id,
        status,
        delivery.furnisher_id,
        delivery.record_types,
        delivery.delivered_on,
        delivery.source_key,
        delivery.max_delist_share,
    )


def _hold(conn: Connection, ctx: WriteContext, delivery: Delivery, plan: _Plan) -> SnapshotResult:
    """Store the delivery, unapplied; the same delivery held or rejected before is not
    stored twice."""
    result = _result(delivery, "held")
    _planned_counts(delivery, plan, result)
    earlier = repository.deliveries_of_source(
        conn, delivery.furnisher_id, delivery.source_key, ("held", "rejected")
    )
    if earlier:
        result.delivery_id, result.status, result.repeated = (
            earlier[-1]["id"],
            earlier[-1]["status"],
            True,
        )
        _finish_run(conn, ctx, delivery, result, result.status)
        return result
    row = _delivery_row(ctx, delivery, result, "held")
    row["rows"] = orjson.loads(orjson.dumps([r.to_json() for r in delivery.rows], default=str))
    result.delivery_id = repository.insert_delivery(conn, row)
    _audit(conn, ctx, delivery.created_by, "held", result)
    _finish_run(conn, ctx, delivery, result, "held")
    return result


def _planned_counts(delivery: Delivery, plan: _Plan, result: SnapshotResult) -> None:
    c = result.counts
    c["rows_read"] = len(delivery.rows)
    c["present"], c["in_effect"] = plan.present, plan.in_effect
    c["new"], c["confirmed"] = plan.count("new"), plan.count("confirm")
    c["delisted"], c["delist_refused"] = len(plan.delists), len(plan.refused)
    c["quarantined"] = len(plan.rejected)
    # planned: the write path may still refuse some rows when the delivery is applied
    c["accepted"], c["duplicate"] = c["new"] + c["confirmed"], plan.count("restated")
    for number, reason in sorted(plan.rejected.items()):
        result.reasons[reason.code] += 1
        result.quarantined_rows.append(
            {"row": number, "reason": reason.code, "detail": reason.detail}
        )
    result.delist_refused = list(plan.refused)


def _apply(conn: Connection, ctx: WriteContext, delivery: Delivery, plan: _Plan) -> SnapshotResult:
    result = _result(delivery, "applied")
    c = result.counts
    c["rows_read"] = len(delivery.rows)
    c["present"], c["in_effect"] = plan.present, plan.in_effect
    outcomes = append_statements(conn, ctx, delivery.furnisher_id, plan.items)
    by_row = {o.row: o for o in outcomes}
    sources = {r.number: r.source for r in delivery.rows}
    quarantined: list[tuple[int, Rejection]] = sorted(plan.rejected.items())
    changed: set[int] = set()
    for number, outcome in sorted(by_row.items()):
        kind = plan.kinds[number]
        if kind == "first_sight":  # accompanies a new row, which is what gets counted
            if outcome.outcome == "quarantined" and outcome.reason is not None:
                result.reasons[f"first_sight_confirm:{outcome.reason.code}"] += 1
            continue
        if number < 0:
            if outcome.outcome == "quarantined" and outcome.reason is not None:
                result.delist_refused.append(_refusal(plan.delists[number], outcome.reason))
            elif outcome.outcome == "accepted":
                c["delisted"] += 1
                changed.add(outcome.subject_id or 0)
            continue
        result.outcomes[number] = outcome
        if outcome.outcome == "quarantined" and outcome.reason is not None:
            quarantined.append((number, outcome.reason))
            continue
        c[outcome.outcome] += 1
        if outcome.outcome == "accepted":
            c["new" if kind == "new" else "confirmed"] += 1
            if kind == "confirm":
                changed.add(outcome.subject_id or 0)
    result.delist_refused += plan.refused
    c["delist_refused"] = len(result.delist_refused)
    now = ctx.clock.now()
    rows = []
    for number, reason in sorted(quarantined):
        c["quarantined"] += 1
        result.reasons[reason.code] += 1
        result.outcomes[number] = RowOutcome(number, "quarantined", reason=reason)
        result.quarantined_rows.append(
            {"row": number, "reason": reason.code, "detail": reason.detail, "raw": sources[number]}
        )
        rows.append(
            {
                "source_key": delivery.source_key,
                "row_number": number,
                "furnisher_id": delivery.furnisher_id,
                "reason_code": reason.code,
                "detail": reason.detail,
                "raw": sources[number],
                "created_at": now,
            }
        )
    repository.add_quarantine(conn, rows)
    changed.discard(0)
    if changed:
        queue_record_notices(conn, ctx.catalogue, changed, ctx.clock)
    _finish_run(conn, ctx, delivery, result, "finished")
    return result


def _finish_run(
    conn: Connection, ctx: WriteContext, delivery: Delivery, result: SnapshotResult, status: str
) -> None:
    if delivery.run_id is None:
        return
    counts = {k: result.counts[k] for k in ("rows_read", "accepted", "duplicate", "quarantined")}
    if status != "finished":
        counts |= {"accepted": 0, "duplicate": 0, "quarantined": 0}
    repository.update_run(conn, delivery.run_id, counts, status=status, finished_at=ctx.clock.now())


def _delivery_row(
    ctx: WriteContext, delivery: Delivery, result: SnapshotResult, status: str
) -> dict[str, Any]:
    c = result.counts
    return {
        "furnisher_id": delivery.furnisher_id,
        "record_types": list(delivery.record_types),
        "delivered_on": delivery.delivered_on,
        "source_name": delivery.source_name[-300:],
        "source_key": delivery.source_key,
        "run_id": delivery.run_id,
        "status": status,
        "max_delist_share": delivery.max_delist_share,
        "rows_read": c["rows_read"],
        "present": c["present"],
        "in_effect": c["in_effect"],
        "new": c["new"],
        "confirmed": c["confirmed"],
        "delisted": c["delisted"],
        "quarantined": c["quarantined"],
        "provenance": delivery.provenance,
        "created_by": delivery.created_by[:120],
        "created_at": ctx.clock.now(),
    }


def _audit(
    conn: Connection, ctx: WriteContext, actor: str, status: str, result: SnapshotResult
) -> None:
    entry = {"id": result.delivery_id, **result.summary()}
    entry |= {k: result.counts[k] for k in COUNTS}
    entry["furnisher_id"] = result.furnisher_id
    audit.snapshot_delivery(conn, actor, status, entry, ctx.clock.now())


# -- an operator's decision on a held delivery --------------------------------------------------


def decide(
    engine: Engine, ctx: WriteContext, delivery_id: int, decision: str, decided_by: str
) -> SnapshotResult:
    with engine.begin() as conn:
        return decide_in(conn, ctx, delivery_id, decision, decided_by)


def decide_in(
    conn: Connection, ctx: WriteContext, delivery_id: int, decision: str, decided_by: str
) -> SnapshotResult:
    """Apply (planned again against the registry as it is now, without the share limit) or
    reject a held delivery. Applying is refused once a later delivery of the furnisher with
    a common record type was applied: that list is newer than this one."""
    if decision not in ("apply", "reject"):
        raise ValidationFailed(f"decision {decision!r} is not apply or reject")
    first = repository.get_delivery(conn, delivery_id)
    if first is None:
        raise NotFound(f"no full-list delivery {delivery_id}")
    repository.lock_deliveries(conn, first["furnisher_id"])
    row = repository.get_delivery(conn, delivery_id)
    assert row is not None
    if row["status"] != "held":
        raise Conflict(
            f"delivery {delivery_id} is {row['status']}, not held", code="snapshot_not_held"
        )
    delivery = _held_delivery(row)
    now = ctx.clock.now()
    if decision == "reject":
        result = _result(delivery, "rejected", delivery_id)
        result.counts.update({k: row[k] for k in COUNTS if k in row})
        repository.update_delivery(
            conn, delivery_id, status="rejected", rows=None, decided_by=decided_by, decided_at=now
        )
        _audit(conn, ctx, decided_by, "rejected", result)
        _finish_run(conn, ctx, delivery, result, "rejected")
        return result
    newer = [
        r
        for r in repository.applied_after(conn, row["furnisher_id"], row["delivered_on"])
        if set(r["record_types"]) & set(delivery.record_types)
    ]
    if newer:
        raise Conflict(
            f"delivery {newer[-1]['id']} of {newer[-1]['delivered_on']} was applied after "
            f"this list of {row['delivered_on']}: applying it would undo a newer list; "
            "reject it instead",
            code="snapshot_superseded",
        )
    check_request(ctx, delivery.furnisher_id, delivery.record_types, delivery.delivered_on, 1.0)
    result = _apply(conn, ctx, delivery, _plan(conn, ctx, delivery))
    result.delivery_id = delivery_id
    c = result.counts
    repository.update_delivery(
        conn,
        delivery_id,
        status="applied",
        rows=None,
        decided_by=decided_by,
        decided_at=now,
        **{k: c[k] for k in ("present", "in_effect", "new", "confirmed", "delisted")},
        quarantined=c["quarantined"],
    )
    _audit(conn, ctx, decided_by, "applied", result)
    return result


def _held_delivery(row: RowMapping) -> Delivery:
    return Delivery(
        row["furnisher_id"],
        tuple(row["record_types"]),
        row["delivered_on"],
        row["source_name"],
        row["source_key"],
        dict(row["provenance"] or {}),
        [DeliveryRow.from_json(r) for r in row["rows"] or []],
        row["created_by"],
        row["max_delist_share"],
        row["run_id"],
    )


def list_deliveries(
    conn: Connection, status: str | None = None, furnisher_id: str | None = None
) -> list[dict[str, Any]]:
    rows = repository.list_deliveries(conn, status=status, furnisher_id=furnisher_id)
    return [{str(k): v for k, v in r.items()} for r in rows]


# -- the report ---------------------------------------------------------------------------------


def write_snapshot_report(result: SnapshotResult, source: str, target: Path) -> None:
    """The delivery's JSON report: its counts, every quarantined row and refused delisting."""
    report = {
        "source": source,
        **result.summary(),
        "quarantined_rows": result.quarantined_rows,
        "delist_refused": result.delist_refused,
    }
    target.write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2, default=str) + b"\n")
