"""The web portal: server-rendered pages for the public register, the subject's own report
and the operator console, in English and Simplified Chinese.

Pages are thin: what the public register shows is ``credo.register`` (one read model over
the domains), the console reads the domains' services; presentation is in ``portal.views`` and
the Jinja2 templates. Sessions, form tokens and origin checks are in ``portal.web``; the
security headers of every response in ``credo.web.security``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from credo.access import sessions
from credo.access.model import Principal, Role
from credo.context import AppContext
from credo.errors import NotAuthenticated, NotFound
from credo.governance.service import rule_history
from credo.ingest import service as ingest
from credo.register import service as register
from credo.subjects import service as subjects
from credo.summary import service as summary
from credo.web.auth import SESSION_COOKIE, close_session, open_session, signed_in
from credo.web.deps import get_conn, get_ctx
from credo.web.params import parse_id
from credo.web.portal import due_process, governance, quality, reviews, views
from credo.web.portal.web import (
    CONSOLE_ROLES,
    FORM_COOKIE,
    LANG_COOKIE,
    Visit,
    clear_private_cookie,
    gate,
    guard_post,
    render,
    set_private_cookie,
    translator,
    visit,
)

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {"portal.css": "text/css"}
PAGE_SIZE = 50


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        raise NotFound(f"no static file {name!r}")
    return FileResponse(STATIC / name, media_type=media_type)


@router.get("/lang/{code}")
def switch_language(
    code: str, next: str = Query("/"), ctx: AppContext = Depends(get_ctx)
) -> RedirectResponse:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    if code in ctx.catalogue.registry.languages:
        response.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/", response_class=HTMLResponse)
def home(seen: Visit = Depends(visit)) -> HTMLResponse:
    return seen.render("home.html")


@router.get("/register/search", response_class=HTMLResponse)
def search(
    q: str = Query("", max_length=100),
    seen: Visit = Depends(visit),
    conn: Connection = Depends(get_conn),
) -> HTMLResponse:
    text, ctx = q.strip(), seen.ctx
    organisations: list[register.Organisation] = []
    persons: list[register.ListedPerson] = []
    if len(text) >= 2:
        organisations = register.search_organisations(conn, text)
        persons = register.search_listed_persons(conn, ctx.catalogue, text, ctx.clock.today())
    return seen.render("search.html", q=text, organisations=organisations, persons=persons)


@router.get("/register/organisations/{subject_id}", response_class=HTMLResponse)
def organisation_page(
    subject_id: str, seen: Visit = Depends(visit), conn: Connection = Depends(get_conn)
) -> HTMLResponse:
    ctx, t = seen.ctx, seen.t
    number = parse_id(subject_id)  # anything that cannot be an id is not found (never a 500)
    found = (
        register.organisation_file(conn, ctx.catalogue, number, ctx.clock.today())
        if number is not None
        else None
    )
    if found is None:
        return seen.render("not_found.html", status_code=404)
    licences, others = views.split_licences(ctx.catalogue, found.records)
    return seen.render(
        "organisation.html",
        org=found.organisation,
        identifiers=[{"scheme": s, "value": v} for s, v in found.organisation.identifiers],
        licences=[views.public_record(ctx.catalogue, t, r) for r in licences],
        others=[views.public_record(ctx.catalogue, t, r) for r in others],
        ratings=views.org_ratings(ctx.catalogue, t, found.ratings),
        list_entries=views.org_list_entries(ctx.catalogue, t, found.entries),
    )


@router.get("/register/defaulters", response_class=HTMLResponse)
def defaulters(
    page: int = Query(1, ge=1, le=100_000),
    seen: Visit = Depends(visit),
    conn: Connection = Depends(get_conn),
) -> HTMLResponse:
    """The judgment-defaulter list: the list's entries in effect where the catalogue
    publishes the list, otherwise the court's public determinations in force."""
    ctx, t = seen.ctx, seen.t
    found = register.defaulters(
        conn, ctx.catalogue, ctx.clock.today(), (page - 1) * PAGE_SIZE, PAGE_SIZE
    )
    entries = [views.register_line(t, line) for line in found.lines]
    facts: dict[str, Any] | None = None
    if found.list_def is not None:
        facts = views.list_facts(ctx.catalogue, t, found.list_def)
    elif found.record_type is not None:
        facts = views.record_type_facts(ctx.catalogue, t, found.record_type)
    total = found.total
    return seen.render(
        "defaulters.html",
        entries=entries,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        facts=facts,
    )


@router.get("/catalogue", response_class=HTMLResponse)
def catalogue_page(
    seen: Visit = Depends(visit), conn: Connection = Depends(get_conn)
) -> HTMLResponse:
    """The rules, each with its version history: when it went live and the published summary
    of the simulation that assessed it (G-25, G-08)."""
    history = rule_history(conn)
    return seen.render("catalogue.html", cat=seen.ctx.catalogue, history=history)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(seen: Visit = Depends(visit)) -> HTMLResponse:
    return seen.render("signin.html", failed=False)


@router.post("/signin", response_model=None)
def signin(
    request: Request,
    key: str = Form("", max_length=200),
    csrf: str = Form("", max_length=100),
    ctx: AppContext = Depends(get_ctx),
) -> Response:
    refused = guard_post(request, ctx, None, csrf)  # no login CSRF
    if refused is not None:
        return refused
    try:
        principal, session_id = open_session(ctx, key)
    except NotAuthenticated:
        t = translator(request)
        return render(request, ctx, t, None, "signin.html", status_code=401, failed=True)
    target = "/console" if principal.role in CONSOLE_ROLES else "/me"
    if principal.role is Role.RELYING_PARTY:
        target = reviews.PAGE  # its advisory decisions wait for a person (G-37)
    elif principal.role not in (*CONSOLE_ROLES, Role.SUBJECT):
        target = "/"
    response = RedirectResponse(target, status_code=303)
    lifetime = int(sessions.SESSION_LIFETIME.total_seconds())
    set_private_cookie(request, response, SESSION_COOKIE, session_id, max_age=lifetime)
    clear_private_cookie(request, response, FORM_COOKIE)
    return response


@router.post("/signout", response_model=None)
def signout(
    request: Request,
    csrf: str = Form("", max_length=100),
    ctx: AppContext = Depends(get_ctx),
    principal: Principal | None = Depends(signed_in),
) -> Response:
    """Revokes the session on the server (a copied cookie is dead too), then forgets it."""
    refused = guard_post(request, ctx, principal, csrf)
    if refused is not None:
        return refused
    close_session(ctx, request.cookies)
    response = RedirectResponse("/", status_code=303)
    clear_private_cookie(request, response, SESSION_COOKIE)
    return response


@router.get("/console", response_model=None)
def console(seen: Visit = Depends(visit), conn: Connection = Depends(get_conn)) -> Response:
    refused = gate(seen.request, seen.ctx, seen.principal, CONSOLE_ROLES)
    if refused is not None:
        return refused
    ctx, t = seen.ctx, seen.t
    summary.refresh(ctx.engine, ctx.clock.now())  # the changes since the last request
    return seen.render(
        "console.html",
        charts=views.console_charts(conn, ctx.catalogue, t, ctx.clock.now()),
        runs=ingest.recent_runs(conn),
        review_items=subjects.open_review_items(conn, limit=50),
    )


router.include_router(due_process.router)
router.include_router(governance.router)  # G-48
router.include_router(quality.router)  # G-49
router.include_router(reviews.router)
