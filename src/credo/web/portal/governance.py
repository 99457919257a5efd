"""The operator console's catalogue changes (G-48): each proposal with the summary of the
simulation it was proposed with and a link to the full report, and the approve or reject form
for a second operator, who sees the assessment before deciding. Thin: the work is in
``credo.audit.approvals`` and ``credo.governance``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.audit import approvals
from credo.errors import NotFound
from credo.governance import service
from credo.governance.report_html import render_body
from credo.jsonvalue import jsonable
from credo.web.params import parse_id
from credo.web.portal import web

router = APIRouter(include_in_schema=False)
PAGE = "/console/catalogue-changes"


def _page(
    seen: web.Visit, principal: Principal, error: str | None = None, status_code: int = 200
) -> Response:
    with seen.ctx.engine.connect() as conn:
        changes = service.proposals(conn)
    return seen.render(
        "catalogue_changes.html", status_code, changes=changes, error=error, page=PAGE
    )


@router.get(PAGE, response_model=None)
def catalogue_changes(seen: web.Visit = Depends(web.visit)) -> Response:
    return web.shown(seen, web.CONSOLE_ROLES, _page)


def _document(seen: web.Visit, change_id: str) -> dict[str, Any]:
    with seen.ctx.engine.connect() as conn:
        return service.simulation_document(conn, _id(change_id))


@router.get(PAGE + "/{change_id}/report", response_model=None)
def report(change_id: str, seen: web.Visit = Depends(web.visit)) -> Response:
    """The full report in the console's page (the same body as the shared HTML file)."""

    def page(seen: web.Visit, principal: Principal) -> Response:
        body = render_body(_document(seen, change_id))
        return seen.render("catalogue_report.html", body=body, page=PAGE)

    return web.shown(seen, web.CONSOLE_ROLES, page)


@router.get(PAGE + "/{change_id}/simulation.json", response_model=None)
def simulation_json(change_id: str, seen: web.Visit = Depends(web.visit)) -> Response:
    """The stored document, sample of subject ids included: operators only (G-50)."""

    def document(seen: web.Visit, _: Principal) -> Response:
        return JSONResponse(jsonable(_document(seen, change_id)))

    return web.shown(seen, (Role.OPERATOR,), document)


@router.post(PAGE + "/{change_id}/decide", response_model=None)
def decide(
    change_id: str, approve: web.YesNo, post: web.Post, reasons: web.Reasons = ""
) -> Response:
    """A second operator approves or rejects, as the API does; the author cannot (G-48)."""

    def act(conn: Connection, operator: Principal) -> None:
        now = post.ctx.clock.now()
        approvals.decide(conn, _id(change_id), operator.id, approve == "yes", reasons, now)

    return web.acted(post, (Role.OPERATOR,), act, _page, PAGE)


def _id(text: str) -> int:
    number = parse_id(text)
    if number is None:
        raise NotFound(f"no catalogue change {text[:40]!r}")
    return number
