"""Due process over HTTP: the subject's own report, disputes, "not me" claims, statements
and repair applications (role subject, always their own file); operators resolve disputes
and decide repairs. Thin: the work is in credo.disputes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.api.deps import get_conn, get_ctx, require
from credo.api.params import Id
from credo.context import AppContext
from credo.disputes import repair, repository, service
from credo.disputes.report import jsonable, subject_report
from credo.disputes.report_html import render_report
from credo.jsonvalue import JsonObject
from credo.notices.reader import LANGUAGES, language_asked, remember_language

router = APIRouter(tags=["due process"])
subject_only = require(Role.SUBJECT)
operator_only = require(Role.OPERATOR)


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


def _subject_id(principal: Principal) -> int:
    assert principal.subject_id is not None  # access.service binds subject principals to one
    return principal.subject_id


def _remember_language(
    conn: Connection, ctx: AppContext, subject_id: int, asked: str | None, accept: str | None
) -> None:
    """Notices about what the subject does here are written in the language the request
    names (``language``, else Accept-Language); a request that names none changes nothing."""
    lang = language_asked(asked, accept)
    if lang is not None:
        remember_language(conn, subject_id, lang, ctx.clock.now())


@router.get("/v1/me/report")
def my_report(
    principal: Principal = Depends(subject_only),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """Everything held about you, free (G-23): records with history, ratings, list entries,
    inquiries, disputes, repair applications and notices."""
    return subject_report(conn, ctx.catalogue, _subject_id(principal), ctx.clock.now())


@router.get("/v1/me/report.html", response_class=HTMLResponse)
def my_report_page(
    principal: Principal = Depends(subject_only),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> str:
    """The same report as a printable page."""
    return render_report(
        subject_report(conn, ctx.catalogue, _subject_id(principal), ctx.clock.now())
    )


@router.post("/v1/me/disputes", status_code=201)
def lodge_dispute(
    body: DisputeIn,
    principal: Principal = Depends(subject_only),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
    accept_language: str | None = Header(default=None, max_length=200),
) -> dict[str, Any]:
    """Dispute a record: it has no effect from this moment until resolved (G-26). Notices
    come in ``language``, else in the first language of Accept-Language that notices are
    written in (en, zh)."""
    _remember_language(conn, ctx, _subject_id(principal), body.language, accept_language)
    dispute = service.open_dispute(
        conn,
        ctx.write_context(),
        _subject_id(principal),
        body.record_id,
        body.grounds,
        category=body.category,
        evidence=body.evidence,
    )
    return jsonable(dict(dispute))


@router.post("/v1/me/identity-claims", status_code=201)
def lodge_identity_claim(
    body: ClaimIn,
    principal: Principal = Depends(subject_only),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
    accept_language: str | None = Header(default=None, max_length=200),
) -> dict[str, Any]:
    """'Not me': the record is suspended at once until reviewed (G-20). Notices come in
    ``language``, else in the first of Accept-Language that notices are written in."""
    _remember_language(conn, ctx, _subject_id(principal), body.language, accept_language)
    claim = service.open_dispute(
        conn,
        ctx.write_context(),
        _subject_id(principal),
        body.record_id,
        body.grounds,
        kind="identity_claim",
        evidence=body.evidence,
    )
    return jsonable(dict(claim))


@router.post("/v1/me/disputes/{dispute_id}/information")
def add_information(
    dispute_id: Id,
    body: InformationIn,
    principal: Principal = Depends(subject_only),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    updated = service.add_information(
        conn, ctx.write_context(), _subject_id(principal), dispute_id, body.information
    )
    return jsonable(dict(updated))


@router.post("/v1/me/statements", status_code=201)
def attach_statement(
    body: StatementIn,
    principal: Principal = Depends(subject_only),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """Your statement travels with the record into every later decision (G-32)."""
    statement_id = service.attach_statement(
        conn, ctx.write_context(), _subject_id(principal), body.record_id, body.text
    )
    return {"id": statement_id}


@router.post("/v1/me/repairs", status_code=201)
def apply_for_repair(
    body: RepairIn,
    principal: Principal = Depends(subject_only),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """Credit repair of a record or list entry, with proof (G-42)."""
    application = repair.apply(
        conn,
        ctx.write_context(),
        _subject_id(principal),
        body.target_kind,
        body.target_ref,
        body.condition,
        body.proof,
    )
    return jsonable(dict(application))


@router.get("/v1/disputes")
def list_disputes(
    status: str = Query("open", max_length=16),
    limit: int = Query(100, ge=1, le=500),
    _: Principal = Depends(operator_only),
    conn: Connection = Depends(get_conn),
) -> list[dict[str, Any]]:
    """Disputes and claims by status, nearest deadline first."""
    return [jsonable(dict(d)) for d in repository.disputes_by_status(conn, status, limit)]


@router.post("/v1/disputes/{dispute_id}/resolve")
def resolve_dispute(
    dispute_id: Id,
    body: ResolveIn,
    principal: Principal = Depends(operator_only),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """A dispute: corrected, deleted, upheld or frivolous; a "not me" claim: confirmed or
    rejected (``kind`` says which, and must be the case's own). Outcomes that keep the record
    need reasons (G-28)."""
    resolved = service.resolve(
        conn,
        ctx.write_context(),
        dispute_id,
        body.outcome,
        body.reasons,
        f"operator:{principal.id}",
        kind=body.kind,
    )
    return jsonable(dict(resolved))


@router.get("/v1/repairs")
def list_repairs(
    status: str = Query("pending", max_length=16),
    limit: int = Query(100, ge=1, le=500),
    _: Principal = Depends(operator_only),
    conn: Connection = Depends(get_conn),
) -> list[dict[str, Any]]:
    return [jsonable(dict(a)) for a in repository.repairs_by_status(conn, status, limit)]


@router.post("/v1/repairs/{application_id}/decide")
def decide_repair(
    application_id: Id,
    body: DecideIn,
    principal: Principal = Depends(operator_only),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """Approval ends the effect of the target and its measures at once (G-42, G-43)."""
    decided = repair.decide(
        conn,
        ctx.write_context(),
        application_id,
        body.approve,
        body.reasons,
        f"operator:{principal.id}",
    )
    return jsonable(dict(decided))
