"""Shared plumbing of the portal's pages: language, the signed-in principal, rendering and
role gates. Signing in stores the principal's API key in an HttpOnly, SameSite=Strict
cookie; every request authenticates it again, so a disabled key stops working at once."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from credo.access.model import Principal, Role
from credo.access.service import authenticate
from credo.api.deps import get_ctx
from credo.context import AppContext
from credo.errors import NotAuthenticated
from credo.portal import views
from credo.portal.i18n import Translator, choose_language

SESSION_COOKIE = "credo_session"
LANG_COOKIE = "credo_lang"
CONSOLE_ROLES = (Role.OPERATOR, Role.AUDITOR)


def translator(request: Request) -> Translator:
    lang = choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
    )
    return Translator(lang)


def signed_in(request: Request, ctx: AppContext = Depends(get_ctx)) -> Principal | None:
    key = request.cookies.get(SESSION_COOKIE)
    if not key:
        return None
    with ctx.engine.connect() as conn:
        try:
            return authenticate(conn, key)
        except NotAuthenticated:
            return None


def render(
    request: Request,
    ctx: AppContext,
    t: Translator,
    principal: Principal | None,
    template: str,
    status_code: int = 200,
    **values: Any,
) -> HTMLResponse:
    env = views.environment(request.app)
    html = env.get_template(template).render(
        t=t,
        principal=principal,
        registry_name=t.pick(ctx.catalogue.registry.name),
        here=_here(request),
        **values,
    )
    return HTMLResponse(html, status_code=status_code)


def _here(request: Request) -> str:
    query = "&".join(f"{k}={quote(v)}" for k, v in request.query_params.items() if k != "lang")
    return request.url.path + (f"?{query}" if query else "")


def gate(
    request: Request,
    ctx: AppContext,
    principal: Principal | None,
    roles: tuple[Role, ...],
) -> Response | None:
    """A redirect to sign in, or a 403 page, unless the principal has one of ``roles``."""
    if principal is None:
        return RedirectResponse(f"/signin?next={quote(request.url.path)}", status_code=303)
    if principal.role not in roles:
        t = translator(request)
        return render(request, ctx, t, principal, "forbidden.html", status_code=403)
    return None
