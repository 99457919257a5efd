"""Furnishers submit, correct, revoke and report performance of records."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from credo.access.model import Role
from credo.errors import Conflict, CredoError, Locked, NotFound, ValidationFailed
from credo.ingest import snapshot
from credo.jsonvalue import jsonable
from credo.records import queries as records_queries
from credo.records.model import RecordInput, RowOutcome
from credo.records.service import submit_records
from credo.records.validate import record_input_to_raw
from credo.web.api.schemas.records import RecordHistory, SnapshotDelivery
from credo.web.auth import AsOperator, Call, call_as
from credo.web.params import Id

router = APIRouter(prefix="/v1/records", tags=["records (furnishers)"])
# A refused record's status where it is not 422: 409 same id with different content, 423 the
# furnisher is held for review (G-49; send it again after the release).
_REFUSALS: dict[str, type[CredoError]] = {"revision_conflict": Conflict, "furnisher_held": Locked}


class Outcome(BaseModel):
    # a generated client's class: "Outcome" would clash with its own field ``outcome``
    model_config = ConfigDict(title="RecordOutcome")
    index: int
    outcome: Literal["accepted", "duplicate", "quarantined"]
    record_id: str | None = None
    reason_code: str | None = None
    detail: str | None = None
    warnings: list[str] = Field(default_factory=list)


class BatchIn(BaseModel):
    records: list[RecordInput] = Field(min_length=1, max_length=1000)


class BatchOut(BaseModel):
    accepted: int
    duplicate: int
    quarantined: int
    outcomes: list[Outcome]


def _outcome(o: RowOutcome) -> Outcome:
    return Outcome(
        index=o.row,
        outcome=o.outcome,
        record_id=o.record_id,
        reason_code=o.reason.code if o.reason else None,
        detail=o.reason.detail if o.reason else None,
        warnings=o.warnings,
    )


@router.post(
    "",
    response_model=Outcome,
    status_code=201,
    responses={
        200: {"model": Outcome, "description": "Already received (duplicate)"},
        409: {"description": "Same id, different content"},
        422: {"description": "Refused, with the reason"},
        423: {"description": "The furnisher is held for review (G-49): nothing was applied"},
    },
)
def submit_one(
    record: RecordInput,
    response: Response,
    call: Call = Depends(call_as(Role.FURNISHER)),
) -> Outcome:
    assert call.principal.furnisher_id is not None
    [result] = submit_records(
        call.conn, call.ctx.write_context(), call.principal.furnisher_id, [record]
    )
    if result.outcome == "quarantined" and result.reason is not None:
        error = _REFUSALS.get(result.reason.code, ValidationFailed)
        raise error(result.reason.detail, code=result.reason.code)
    if result.outcome == "duplicate":
        response.status_code = 200
    return _outcome(result)


@router.post("/batch", response_model=BatchOut)
def submit_batch(
    batch: BatchIn,
    call: Call = Depends(call_as(Role.FURNISHER)),
) -> BatchOut:
    assert call.principal.furnisher_id is not None
    results = submit_records(
        call.conn, call.ctx.write_context(), call.principal.furnisher_id, batch.records
    )
    counts = {
        k: sum(1 for r in results if r.outcome == k)
        for k in ("accepted", "duplicate", "quarantined")
    }
    return BatchOut(**counts, outcomes=[_outcome(r) for r in results])


class SnapshotIn(BaseModel):
    """A furnisher's complete current list of ``record_types`` on ``delivered_on``."""

    record_types: list[str] = Field(
        min_length=1, max_length=20, examples=[["procurement_debarment"]]
    )
    delivered_on: date | None = Field(
        default=None, description="The delivery date (default: today); not in the future"
    )
    max_delist_share: float = Field(
        default=snapshot.DEFAULT_MAX_DELIST_SHARE,
        ge=0,
        le=snapshot.DEFAULT_MAX_DELIST_SHARE,
        description="Hold the delivery if it would delist more than this share of the "
        "entries in effect; a furnisher may lower the registry's limit, never raise it",
    )
    records: list[RecordInput] = Field(
        max_length=50_000,
        description="Every entry in effect, each as an assertion (action 'assert', revision 0)",
    )


class SnapshotCounts(BaseModel):
    rows_read: int
    accepted: int
    duplicate: int
    quarantined: int
    present: int = Field(description="Entries the list names")
    in_effect: int = Field(description="The furnisher's entries of these types in effect before")
    new: int
    confirmed: int
    delisted: int
    delist_refused: int


class DelistRefused(BaseModel):
    source_ref: str
    record_id: str
    reason: str
    detail: str


class SnapshotOut(BaseModel):
    delivery_id: int
    status: Literal["applied", "held", "rejected"]
    furnisher: str
    record_types: list[str]
    delivered_on: date
    counts: SnapshotCounts
    delist_share: float
    max_delist_share: float
    counts_add_up: bool
    reasons: dict[str, int]
    outcomes: list[Outcome] = Field(
        default_factory=list, description="One per record (applied deliveries)"
    )
    quarantined: list[Outcome] = Field(
        default_factory=list, description="Held deliveries: the records refused before writing"
    )
    delist_refused: list[DelistRefused] = Field(default_factory=list)


def _snapshot_out(result: snapshot.SnapshotResult) -> SnapshotOut:
    summary = result.summary()
    outcomes = [_outcome(o) for _, o in sorted(result.outcomes.items())]
    for o in outcomes:
        o.index -= 1  # rows are numbered from 1, API records from 0
    quarantined = (
        [
            Outcome(index=r["row"] - 1, outcome="quarantined", reason_code=r["reason"],
                    detail=r["detail"])
            for r in result.quarantined_rows
        ]
        if result.status != "applied"
        else []
    )  # fmt: skip
    return SnapshotOut(
        delivery_id=result.delivery_id,
        status=result.status,
        furnisher=result.furnisher_id,
        record_types=list(result.record_types),
        delivered_on=result.delivered_on,
        counts=SnapshotCounts(**summary["counts"]),
        delist_share=summary["delist_share"],
        max_delist_share=result.max_delist_share,
        counts_add_up=summary["counts_add_up"],
        reasons=summary["reasons"],
        outcomes=outcomes,
        quarantined=quarantined,
        delist_refused=[DelistRefused(**r) for r in result.delist_refused],
    )


@router.post(
    "/snapshot",
    response_model=SnapshotOut,
    responses={
        202: {"model": SnapshotOut, "description": "Held: it would delist too many entries; "
              "an operator decides"},
        409: {"description": "This same delivery was rejected by an operator"},
        422: {"description": "Refused as a whole (unknown type, outside the remit, a date "
              "in the future)"},
    },
)  # fmt: skip
def submit_snapshot(
    body: SnapshotIn,
    response: Response,
    call: Call = Depends(call_as(Role.FURNISHER)),
) -> SnapshotOut:
    """A full-list delivery: the furnisher's complete current list of ``record_types``.
    New entries are asserted; entries on record are re-confirmed as of the delivery date
    (``confirm``, carrying the record's term); entries in effect that the list does not name
    are ended (``delist``, end reason ``delisted``). All in one transaction; sending the same
    list again the same day changes nothing. A list that would delist more than
    ``max_delist_share`` of the entries in effect is held (202) until an operator applies or
    rejects it (``/v1/records/snapshots/{id}/apply``)."""
    assert call.principal.furnisher_id is not None
    write = call.ctx.write_context()
    delivery = snapshot.api_delivery(
        write,
        call.principal.furnisher_id,
        body.record_types,
        body.delivered_on or call.ctx.clock.today(),
        [record_input_to_raw(r) for r in body.records],
        created_by=f"furnisher:{call.principal.furnisher_id}",
        max_delist_share=body.max_delist_share,
    )
    result = snapshot.deliver_in(call.conn, write, delivery)
    if result.status == "rejected":
        raise Conflict(
            f"this same delivery was rejected by an operator (delivery {result.delivery_id})",
            code="snapshot_rejected",
        )
    if result.status == "held":
        response.status_code = 202
    return _snapshot_out(result)


@router.get("/snapshots", response_model=list[SnapshotDelivery])
def list_snapshots(
    status: Literal["held", "applied", "rejected"] | None = Query(None),
    call: Call = Depends(call_as(Role.FURNISHER, Role.OPERATOR, Role.AUDITOR)),
) -> list[dict[str, Any]]:
    """Full-list deliveries, newest first (a furnisher sees its own)."""
    furnisher = call.principal.furnisher_id if call.principal.role is Role.FURNISHER else None
    rows = snapshot.list_deliveries(call.conn, status=status, furnisher_id=furnisher)
    return [jsonable(r) for r in rows]


@router.post("/snapshots/{delivery_id}/{decision}", response_model=SnapshotOut)
def decide_snapshot(
    delivery_id: Id,
    decision: Literal["apply", "reject"],
    call: AsOperator,
) -> SnapshotOut:
    """An operator applies a held delivery (planned again against the registry as it is now,
    without the share limit) or rejects it (nothing of it is applied). 409 when it is not
    held, or when a newer list of the furnisher was applied since."""
    result = snapshot.decide_in(
        call.conn, call.ctx.write_context(), delivery_id, decision, call.actor
    )
    return _snapshot_out(result)


@router.get("/{record_id}/history", response_model=RecordHistory)
def record_history(
    record_id: str,
    call: Call = Depends(call_as(Role.FURNISHER, Role.OPERATOR, Role.AUDITOR)),
) -> dict[str, Any]:
    """Every statement of the record's chain, oldest first, and its current view; a
    furnisher sees only its own records' (``credo.records.queries.chain_history``)."""
    furnisher = call.principal.furnisher_id if call.principal.role is Role.FURNISHER else None
    history = records_queries.chain_history(call.conn, record_id, furnisher)
    if history is None:
        raise NotFound(f"no record {record_id!r}")
    return jsonable(asdict(history))
