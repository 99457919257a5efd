"""Furnisher quality (G-49): the stored rates and holds, and the operator's release."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field
from sqlalchemy import Connection, RowMapping

from credo.access.model import Principal, Role
from credo.context import AppContext
from credo.errors import Forbidden
from credo.quality import service
from credo.web.auth import AsOperator, Call, call_as, require
from credo.web.deps import get_conn, get_ctx

router = APIRouter(prefix="/v1/furnishers", tags=["furnisher quality (G-49)"])

FurnisherId = Annotated[
    str, Path(pattern=r"^[a-z][a-z0-9_]*$", max_length=64, description="A furnisher's id")
]


class Thresholds(BaseModel):
    dispute_rate: float
    correction_rate: float
    overturn_rate: float
    late_response_rate: float


class QualityOut(BaseModel):
    """One furnisher's rates over [window_start, window_end], as of the last jobs run."""

    furnisher_id: str
    evaluated_at: datetime
    window_start: datetime
    window_end: datetime
    records: int = Field(description="Records furnished in the window (chains with a statement)")
    corrections: int
    disputes: int
    overturns: int
    disputes_due: int
    late_responses: int
    dispute_rate: float | None
    correction_rate: float | None
    overturn_rate: float | None
    late_response_rate: float | None
    held: bool
    held_since: datetime | None
    hold_reason: str | None
    released_at: datetime | None
    released_by: str | None
    release_reason: str | None
    thresholds: Thresholds


class ReleaseIn(BaseModel):
    reasons: str = Field(min_length=10, max_length=4000, description="What the review found")


def _out(row: RowMapping, ctx: AppContext) -> QualityOut:
    return QualityOut.model_validate(service.jsonable(row, ctx.catalogue))


@router.get("/quality", response_model=list[QualityOut])
def all_furnishers(
    _: Principal = Depends(require(Role.OPERATOR, Role.AUDITOR)),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> list[QualityOut]:
    """Every furnisher's dispute, correction, overturn and late-response rates and whether it
    is held for review (docs/due-process.md defines the rates)."""
    return [_out(row, ctx) for row in service.quality_rows(conn)]


@router.get("/{furnisher_id}/quality", response_model=QualityOut)
def one_furnisher(
    furnisher_id: FurnisherId,
    call: Call = Depends(call_as(Role.OPERATOR, Role.AUDITOR, Role.FURNISHER)),
) -> QualityOut:
    """One furnisher's rates; a furnisher sees its own."""
    if call.principal.role is Role.FURNISHER and call.principal.furnisher_id != furnisher_id:
        raise Forbidden("a furnisher sees its own quality rates only")
    return _out(service.quality_of(call.conn, furnisher_id), call.ctx)


@router.post("/{furnisher_id}/quality/release", response_model=QualityOut)
def release(furnisher_id: FurnisherId, body: ReleaseIn, call: AsOperator) -> QualityOut:
    """An operator lifts a hold with written reasons (audited); 409 when it is not held."""
    row = service.release(call.conn, call.ctx.clock, furnisher_id, call.actor, body.reasons)
    return _out(row, call.ctx)
