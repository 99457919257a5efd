"""The audit log over HTTP: verification and reading (auditors), and the second-approver
workflow for catalogue changes (operators, G-48). Thin: the work is in credo.audit."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.audit import approvals, checkpoint
from credo.audit import service as audit
from credo.audit.integrity import AuditedData
from credo.checks.service import audited_inquiries
from credo.errors import NotFound
from credo.governance import service as governance
from credo.jsonvalue import JsonObject, jsonable
from credo.records.queries import audited_statements
from credo.web.api.schemas.audit import (
    AuditEntry,
    CatalogueChange,
    ChangeProposed,
    Checkpoint,
    SimulationDocument,
    Verification,
)
from credo.web.auth import AsOperator, require
from credo.web.deps import get_conn
from credo.web.params import BigCursor, Id

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class ChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=3, max_length=200)
    change: JsonObject = Field(min_length=1, description="What changes, e.g. a YAML diff")
    impact_assessment_ref: str = Field(min_length=3, max_length=64)
    simulation: JsonObject | None = Field(
        default=None,
        description="The JSON of `credo simulate` for the proposed catalogue: stored with the "
        "change, hashed into the audit log; activation refuses a change without a current one "
        "(G-48)",
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    approve: bool
    reasons: str = Field(default="", max_length=4000)


@router.get("/verify", response_model=Verification)
def verify(
    _: Principal = Depends(require(Role.AUDITOR, Role.OPERATOR)),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """Recompute the whole chain; report the first broken link (G-47)."""
    result = audit.verify(conn, AuditedData(audited_statements(), audited_inquiries()))
    broken = result.broken
    return {
        "ok": result.ok,
        "checked": result.checked,
        "head_seq": result.head_seq,
        "first_broken": None
        if broken is None
        else {"seq": broken.seq, "problem": broken.problem, "detail": broken.detail},
    }


@router.get("/checkpoint", response_model=Checkpoint)
def latest_checkpoint(conn: Connection = Depends(get_conn)) -> dict[str, Any]:
    """Public: the newest signed checkpoint of the log's head (Ed25519). Keep a copy; later,
    `credo audit verify --checkpoint FILE` shows the log still holds it (credo.audit.checkpoint)."""
    found = checkpoint.latest(conn)
    if found is None:
        raise NotFound("no checkpoint of the audit log has been signed yet")
    return found


@router.get("/entries", response_model=list[AuditEntry])
def entries(
    after: BigCursor = 0,
    limit: int = Query(100, ge=1, le=1000),
    _: Principal = Depends(require(Role.AUDITOR)),
    conn: Connection = Depends(get_conn),
) -> list[dict[str, Any]]:
    return [asdict(entry) for entry in audit.entries_after(conn, after, limit)]


@router.post("/catalogue-changes", status_code=201, response_model=ChangeProposed)
def propose_change(body: ChangeIn, call: AsOperator) -> dict[str, Any]:
    now = call.ctx.clock.now()
    change_id = approvals.propose(
        call.conn,
        call.principal.id,
        body.title,
        body.change,
        body.impact_assessment_ref,
        now,
        governance.simulation_assessment(call.conn, body.simulation, now),
    )
    return {"id": change_id, "status": "proposed"}


@router.get("/catalogue-changes/{change_id}/simulation", response_model=SimulationDocument)
def change_simulation(
    change_id: Id,
    _: Principal = Depends(require(Role.OPERATOR)),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """The simulation a change was proposed with, as stored (operators only: it holds a
    sample of subject ids under ``operator_only``)."""
    return governance.simulation_document(conn, change_id)


@router.post("/catalogue-changes/{change_id}/decision", response_model=CatalogueChange)
def decide_change(change_id: Id, body: DecisionIn, call: AsOperator) -> dict[str, Any]:
    """A second operator approves or rejects; the author cannot (G-48)."""
    decided = approvals.decide(
        call.conn, change_id, call.principal.id, body.approve, body.reasons, call.ctx.clock.now()
    )
    return jsonable(asdict(decided))
