"""Furnishers submit, correct, revoke and report performance of records."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, Field
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.api.deps import get_conn, get_ctx, require
from credo.context import AppContext
from credo.errors import Conflict, NotFound, ValidationFailed
from credo.records import repository as records_repo
from credo.records.api_service import submit_records
from credo.records.model import RecordInput, RowOutcome

router = APIRouter(prefix="/v1/records", tags=["records (furnishers)"])


class Outcome(BaseModel):
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
        200: {"description": "Already received (duplicate)"},
        409: {"description": "Same id, different content"},
        422: {"description": "Refused, with the reason"},
    },
)
def submit_one(
    record: RecordInput,
    response: Response,
    principal: Principal = Depends(require(Role.FURNISHER)),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> Outcome:
    assert principal.furnisher_id is not None
    [result] = submit_records(conn, ctx.write_context(), principal.furnisher_id, [record])
    if result.outcome == "quarantined" and result.reason is not None:
        error = Conflict if result.reason.code == "revision_conflict" else ValidationFailed
        raise error(result.reason.detail, code=result.reason.code)
    if result.outcome == "duplicate":
        response.status_code = 200
    return _outcome(result)


@router.post("/batch", response_model=BatchOut)
def submit_batch(
    batch: BatchIn,
    principal: Principal = Depends(require(Role.FURNISHER)),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> BatchOut:
    assert principal.furnisher_id is not None
    results = submit_records(conn, ctx.write_context(), principal.furnisher_id, batch.records)
    counts = {
        k: sum(1 for r in results if r.outcome == k)
        for k in ("accepted", "duplicate", "quarantined")
    }
    return BatchOut(**counts, outcomes=[_outcome(r) for r in results])


@router.get("/{record_id}/history")
def record_history(
    record_id: str,
    principal: Principal = Depends(require(Role.FURNISHER, Role.OPERATOR, Role.AUDITOR)),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """Every statement of the record's chain, oldest first, and its current view."""
    statements = records_repo.statements_by_record(conn, record_id)
    if not statements:
        raise NotFound(f"no record {record_id!r}")
    if principal.role is Role.FURNISHER and statements[0]["furnisher_id"] != principal.furnisher_id:
        raise NotFound(f"no record {record_id!r}")  # never confirm another furnisher's records
    current = records_repo.get_current(conn, statements[0]["chain_id"])
    return {
        "statements": [_jsonable(s) for s in statements],
        "current": _jsonable(current) if current else None,
    }


def _jsonable(row: Any) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in dict(row).items()}
