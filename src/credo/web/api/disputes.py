"""Due process over HTTP: the subject's own report, disputes, "not me" claims, statements
and repair applications (role subject, always their own file); operators resolve disputes
and decide repairs. Thin: the work is in credo.disputes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import RowMapping

from credo.disputes import cases, repair, service
from credo.disputes.kinds import open_status_of
from credo.disputes.report import subject_report
from credo.disputes.report_html import render_report
from credo.jsonvalue import JsonObject, jsonable
from credo.notices.reader import LANGUAGES, language_asked, remember_language
from credo.web.api.schemas.disputes import (
    DisputeCase,
    RepairCase,
    StatementCreated,
    SubjectReport,
)
from credo.web.auth import AsOperator, AsSubject, Call
from credo.web.params import Id

router = APIRouter(tags=["due process"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# The language notices about this case are written in (and later ones too); without it, the
# request's Accept-Language, else the subject's earlier choice or the registry's language.
NoticeLanguage = Field(
    default=None,
    description=f"Write notices to the subject in this language ({', '.join(LANGUAGES)}); "
    "without it, the first of the request's Accept-Language that notices are written in. "
    "Remembered for later notices, as the portal remembers the language a subject uses.",
)


class DisputeIn(Strict):
    record_id: str = Field(min_length=1, max_length=64, description="Record id or chain id")
    grounds: str = Field(min_length=1, max_length=service.MAX_GROUNDS)
    category: Literal[service.CATEGORIES] = "accuracy"  # type: ignore[valid-type]
    evidence: JsonObject = Field(default_factory=dict, max_length=20)
    language: Literal[LANGUAGES] | None = NoticeLanguage  # type: ignore[valid-type]


class ClaimIn(Strict):
    record_id: str = Field(min_length=1, max_length=64)
    grounds: str = Field(min_length=1, max_length=service.MAX_GROUNDS)
    evidence: JsonObject = Field(default_factory=dict, max_length=20)
    language: Literal[LANGUAGES] | None = NoticeLanguage  # type: ignore[valid-type]


class InformationIn(Strict):
    information: JsonObject = Field(min_length=1, max_length=20)


class StatementIn(Strict):
    record_id: str = Field(min_length=1, max_length=64)
    text: str = Field(min_length=1, max_length=service.MAX_STATEMENT)


class RepairIn(Strict):
    target_kind: Literal["record", "list_entry"] = "record"
    target_ref: str = Field(min_length=1, max_length=64)
    condition: str = Field(min_length=1, max_length=300)
    proof: JsonObject = Field(min_length=1, max_length=20)


class DisputeResolution(Strict):
    """How a dispute ends: corrected (after the furnisher's correction), deleted, upheld (the
    record is kept: the dispute fails) or frivolous (dismissed); all but deleted need reasons
    for the subject (G-28)."""

    kind: Literal["dispute"]
    outcome: service.DisputeOutcome
    reasons: str = Field(default="", max_length=4000)


class ClaimResolution(Strict):
    """How a "not me" claim ends: confirmed (not this person: the record is deleted from the
    file) or rejected (the record is about this person; with reasons, G-28)."""

    kind: Literal["identity_claim"]
    outcome: service.ClaimOutcome
    reasons: str = Field(default="", max_length=4000)


# One schema per kind of case, told apart by ``kind``: each lists exactly its own outcomes.
ResolveIn = Annotated[DisputeResolution | ClaimResolution, Field(discriminator="kind")]


class DecideIn(Strict):
    approve: bool
    reasons: str = Field(default="", max_length=4000)


AcceptLanguage = Annotated[str | None, Header(max_length=200)]


def _remember_language(call: Call, asked: str | None, accept: str | None) -> None:
    """Notices about what the subject does here are written in the language the request
    names (``language``, else Accept-Language); a request that names none changes nothing."""
    lang = language_asked(asked, accept)
    if lang is not None:
        remember_language(call.conn, call.subject_id, lang, call.ctx.clock.now())


def _report(call: Call) -> dict[str, Any]:
    return subject_report(call.conn, call.ctx.catalogue, call.subject_id, call.ctx.clock.now())


@router.get("/v1/me/report", response_model=SubjectReport)
def my_report(call: AsSubject) -> dict[str, Any]:
    """Everything held about you, free (G-23): records with history, ratings, list entries,
    inquiries, disputes, repair applications and notices."""
    return _report(call)


@router.get("/v1/me/report.html", response_class=HTMLResponse)
def my_report_page(call: AsSubject) -> str:
    """The same report as a printable page."""
    return render_report(_report(call))


def _as_subject(
    call: Call, action: Callable[..., RowMapping], *args: Any, **kw: Any
) -> dict[str, Any]:
    """``action(conn, write context, subject_id, *args, **kw)``, answered as JSON."""
    return jsonable(action(call.conn, call.ctx.write_context(), call.subject_id, *args, **kw))


def _lodge(call: Call, kind: str, body: DisputeIn | ClaimIn, accept: str | None) -> dict[str, Any]:
    _remember_language(call, body.language, accept)
    category = body.category if isinstance(body, DisputeIn) else "identity"
    case = {"kind": kind, "category": category, "evidence": body.evidence}
    return _as_subject(call, service.open_dispute, body.record_id, body.grounds, **case)


@router.post("/v1/me/disputes", status_code=201, response_model=DisputeCase)
def lodge_dispute(
    body: DisputeIn, call: AsSubject, accept_language: AcceptLanguage = None
) -> dict[str, Any]:
    """Dispute a record: it has no effect from this moment until resolved (G-26). Notices
    come in ``language``, else in the first language of Accept-Language that notices are
    written in (en, zh)."""
    return _lodge(call, "dispute", body, accept_language)


@router.post("/v1/me/identity-claims", status_code=201, response_model=DisputeCase)
def lodge_identity_claim(
    body: ClaimIn, call: AsSubject, accept_language: AcceptLanguage = None
) -> dict[str, Any]:
    """'Not me': the record is suspended at once until reviewed (G-20). Notices come in
    ``language``, else in the first of Accept-Language that notices are written in."""
    return _lodge(call, "identity_claim", body, accept_language)


@router.post("/v1/me/disputes/{dispute_id}/information", response_model=DisputeCase)
def add_information(dispute_id: Id, body: InformationIn, call: AsSubject) -> dict[str, Any]:
    return _as_subject(call, service.add_information, dispute_id, body.information)


@router.post("/v1/me/statements", status_code=201, response_model=StatementCreated)
def attach_statement(body: StatementIn, call: AsSubject) -> dict[str, Any]:
    """Your statement travels with the record into every later decision (G-32)."""
    statement_id = service.attach_statement(
        call.conn, call.ctx.write_context(), call.subject_id, body.record_id, body.text
    )
    return {"id": statement_id}


@router.post("/v1/me/repairs", status_code=201, response_model=RepairCase)
def apply_for_repair(body: RepairIn, call: AsSubject) -> dict[str, Any]:
    """Credit repair of a record or list entry, with proof (G-42)."""
    target = (body.target_kind, body.target_ref)
    return _as_subject(call, repair.apply, *target, body.condition, body.proof)


Status = Annotated[str | None, Query(max_length=16)]
Limit = Annotated[int, Query(ge=1, le=500)]


def _queue(call: Call, store: str, status: str | None, limit: int) -> list[dict[str, Any]]:
    """One queue of cases for operators, nearest deadline first; without a status, the open
    ones (credo.disputes.cases: open is 'open' for disputes, 'pending' for repairs)."""
    found = cases.in_status(call.conn, store, status or open_status_of(store), limit)
    return [jsonable(case) for case in found]


@router.get("/v1/disputes", response_model=list[DisputeCase])
def list_disputes(
    call: AsOperator, status: Status = None, limit: Limit = 100
) -> list[dict[str, Any]]:
    """Disputes and claims by status, nearest deadline first."""
    return _queue(call, "disputes", status, limit)


@router.get("/v1/repairs", response_model=list[RepairCase])
def list_repairs(
    call: AsOperator, status: Status = None, limit: Limit = 100
) -> list[dict[str, Any]]:
    """Repair applications by status, nearest deadline first."""
    return _queue(call, "repairs", status, limit)


def _resolved(
    call: Call, store: str, case_id: int, outcome: str, reasons: str, kind: str | None
) -> dict[str, Any]:
    ctx = call.ctx.write_context()
    closed = cases.resolve(call.conn, ctx, store, case_id, outcome, reasons, call.actor, kind)
    return jsonable(closed)


@router.post("/v1/disputes/{dispute_id}/resolve", response_model=DisputeCase)
def resolve_dispute(dispute_id: Id, body: ResolveIn, call: AsOperator) -> dict[str, Any]:
    """A dispute: corrected, deleted, upheld or frivolous; a "not me" claim: confirmed or
    rejected (``kind`` says which, and must be the case's own). Outcomes that keep the record
    need reasons (G-28)."""
    return _resolved(call, "disputes", dispute_id, body.outcome, body.reasons, body.kind)


@router.post("/v1/repairs/{application_id}/decide", response_model=RepairCase)
def decide_repair(application_id: Id, body: DecideIn, call: AsOperator) -> dict[str, Any]:
    """Approval ends the effect of the target and its measures at once (G-42, G-43)."""
    outcome = "approved" if body.approve else "rejected"
    return _resolved(call, "repairs", application_id, outcome, body.reasons, None)
