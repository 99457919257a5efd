"""The operator console's catalogue changes (G-48): each proposal with the summary of the
simulation it was proposed with and a link to the full report, and the approve or reject form
for a second operator, who sees the assessment before deciding. Thin: the work is in
``credo.audit.approvals`` and ``credo.governance``."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.audit import approvals
from credo.context import AppContext
from credo.disputes.report import jsonable
from credo.errors import CredoError, NotFound
from credo.governance import service
from credo.governance.report_html import render_body
from credo.web.api.deps import get_conn, get_ctx
from credo.web.api.params import parse_id
from credo.web.portal.i18n import Translator
from credo.web.portal.web import CONSOLE_ROLES, gate, guard_post, render, signed_in, translator

router = APIRouter(include_in_schema=False)
PAGE = "/console/catalogue-changes"

TEXTS: dict[str, tuple[str, str]] = {
    "title": ("Catalogue changes", "目录变更"),
    "intro": (
        "Each change is proposed with a simulation of the proposed catalogue on the live "
        "registry. Read its assessment before you decide: a change goes live only when a "
        "second operator approves it and its simulation is current (G-48).",
        "每项变更均附有在现行登记数据上对拟议目录的模拟。请在决定前阅读其评估：只有经第二名"
        "运营人员批准且模拟为最新时，变更方可生效（G-48）。",
    ),
    "proposed_by": ("Proposed by", "提议人"),
    "status": ("Status", "状态"),
    "assessment": ("Impact assessment", "影响评估"),
    "no_simulation": (
        "No simulation attached: this change cannot be activated.",
        "未附模拟：此变更无法生效。",
    ),
    "as_of": ("Simulated as of", "模拟日期"),
    "bands_move": ("subjects whose band moves", "等级变化的主体"),
    "starting": ("list entries starting", "新增名单条目"),
    "ending": ("list entries ending", "移出名单条目"),
    "flips": ("decisions flipping", "结论改变的查询"),
    "flags": ("groups flagged as disproportionately affected", "受不成比例影响的群体"),
    "report": ("Read the full report", "阅读完整报告"),
    "json": ("JSON (with the operator's sample of subjects)", "JSON（含运营人员可见的主体样本）"),
    "approve": ("Approve", "批准"),
    "reject": ("Reject", "驳回"),
    "reasons": ("Reasons", "理由"),
    "decide": ("Decide", "决定"),
    "none": ("No catalogue change has been proposed.", "尚无目录变更提议。"),
}


def _texts(t: Translator) -> dict[str, str]:
    return {key: pair[1] if t.lang == "zh" else pair[0] for key, pair in TEXTS.items()}


def _page(
    request: Request,
    ctx: AppContext,
    principal: Principal,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    t = translator(request)
    with ctx.engine.connect() as conn:
        changes = service.proposals(conn)
    return render(
        request,
        ctx,
        t,
        principal,
        "catalogue_changes.html",
        status_code=status_code,
        g=_texts(t),
        changes=changes,
        error=error,
        page=PAGE,
    )


@router.get(PAGE, response_model=None)
def catalogue_changes(
    request: Request,
    ctx: AppContext = Depends(get_ctx),
    principal: Principal | None = Depends(signed_in),
) -> Response:
    refused = gate(request, ctx, principal, CONSOLE_ROLES)
    if refused is not None or principal is None:
        return refused or RedirectResponse("/signin", status_code=303)
    return _page(request, ctx, principal)


@router.get(PAGE + "/{change_id}/report", response_model=None)
def report(
    change_id: str,
    request: Request,
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
    principal: Principal | None = Depends(signed_in),
) -> Response:
    """The full report in the console's page (the same body as the shared HTML file)."""
    refused = gate(request, ctx, principal, CONSOLE_ROLES)
    if refused is not None:
        return refused
    document = service.simulation_document(conn, _id(change_id))
    t = translator(request)
    return render(
        request, ctx, t, principal, "catalogue_report.html", body=render_body(document), page=PAGE
    )


@router.get(PAGE + "/{change_id}/simulation.json", response_model=None)
def simulation_json(
    change_id: str,
    request: Request,
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
    principal: Principal | None = Depends(signed_in),
) -> Response:
    """The stored document, sample of subject ids included: operators only (G-50)."""
    refused = gate(request, ctx, principal, (Role.OPERATOR,))
    if refused is not None:
        return refused
    return JSONResponse(jsonable(service.simulation_document(conn, _id(change_id))))


@router.post(PAGE + "/{change_id}/decide", response_model=None)
def decide(
    change_id: str,
    request: Request,
    approve: str = Form(..., max_length=5),
    reasons: str = Form("", max_length=4000),
    csrf: str = Form("", max_length=100),
    ctx: AppContext = Depends(get_ctx),
    principal: Principal | None = Depends(signed_in),
) -> Response:
    """A second operator approves or rejects, as the API does; the author cannot (G-48)."""
    refused = guard_post(request, ctx, principal, csrf) or gate(
        request, ctx, principal, (Role.OPERATOR,)
    )
    if refused is not None or principal is None:
        return refused or RedirectResponse("/signin", status_code=303)
    try:
        with ctx.engine.begin() as conn:
            approvals.decide(
                conn, _id(change_id), principal.id, approve == "yes", reasons, ctx.clock.now()
            )
    except CredoError as exc:
        return _page(request, ctx, principal, exc.detail, exc.status)
    return RedirectResponse(PAGE, status_code=303)


def _id(text: str) -> int:
    number = parse_id(text)
    if number is None:
        raise NotFound(f"no catalogue change {text[:40]!r}")
    return number
