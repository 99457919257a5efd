"""Shared plumbing of the portal's pages: language, the signed-in principal, rendering, role
gates and the guard of every form post.

Signing in opens a server-side session (credo.access.sessions): the cookie holds an opaque
random id, HttpOnly, SameSite=Strict and Secure when served over HTTPS; the API key never
leaves the sign-in form. Every request looks the session up again, so a revoked session or a
disabled principal stops working at once.

Every POST form carries a CSRF token bound to the browser's session cookie (or, before
signing in, to a pre-sign-in cookie minted when a form is first rendered), and every POST
must come from this site's own origin: no cross-site post, and no login CSRF."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from credo.access import sessions
from credo.access.model import Principal, Role
from credo.context import AppContext
from credo.errors import CredoError
from credo.web.auth import presented_session, signed_in
from credo.web.deps import get_ctx
from credo.web.portal import views
from credo.web.portal.i18n import Messages, Translator, choose_language, load_messages
from credo.web.problems import error_body

FORM_COOKIE = "credo_form"  # binds the sign-in form's CSRF token before there is a session
LANG_COOKIE = "credo_lang"
CSRF_FIELD = "csrf"
CONSOLE_ROLES = (Role.OPERATOR, Role.AUDITOR)


def translator(request: Request) -> Translator:
    offered = tuple(get_ctx(request).catalogue.registry.languages)
    lang = choose_language(
        request.query_params.get("lang"),
        request.cookies.get(LANG_COOKIE),
        request.headers.get("accept-language"),
        offered,
    )
    return Translator(lang, offered, _messages(request))


def _messages(request: Request) -> Messages:
    """The portal's texts, read on first use and kept on the app (not global)."""
    found: Messages | None = getattr(request.app.state, "portal_messages", None)
    if found is None:
        found = request.app.state.portal_messages = load_messages()
    return found


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def set_private_cookie(
    request: Request, response: Response, name: str, value: str, max_age: int | None = None
) -> None:
    """A cookie only this site's pages send back: HttpOnly, SameSite=Strict, Secure on HTTPS."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_https(request),
    )


def clear_private_cookie(request: Request, response: Response, name: str) -> None:
    response.delete_cookie(
        name, path="/", httponly=True, samesite="strict", secure=is_https(request)
    )


class _FormBinding:
    """The value a page's CSRF tokens are bound to: the session cookie, else the pre-sign-in
    cookie; minted (and then set on the response) only when a page renders a form."""

    def __init__(self, request: Request) -> None:
        self.value = _binding(request)
        self.minted = False

    def token(self) -> str:
        if self.value is None:
            self.value = sessions.new_secret()
            self.minted = True
        return sessions.form_token(self.value)


def _binding(request: Request) -> str | None:
    return presented_session(request.cookies) or request.cookies.get(FORM_COOKIE)


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
    binding = _FormBinding(request)
    html = env.get_template(template).render(
        t=t,
        principal=principal,
        registry_name=t.pick(ctx.catalogue.registry.name),
        words=ctx.catalogue.labels.words(t.lang),  # the catalogue's codes as words
        here=_here(request),
        csrf=binding.token,
        csrf_field=CSRF_FIELD,
        building=_building(request),
        **values,
    )
    response = HTMLResponse(html, status_code=status_code)
    if binding.minted and binding.value is not None:
        set_private_cookie(request, response, FORM_COOKIE, binding.value)
    return response


def _building(request: Request) -> bool:
    """True while ``credo demo`` still builds the registry this portal already serves (the
    app's ``state.building``: an event the builder clears when it is done)."""
    building = getattr(request.app.state, "building", None)
    return building is not None and building.is_set()


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


def guard_post(
    request: Request, ctx: AppContext, principal: Principal | None, token: str
) -> Response | None:
    """A 403 page unless this POST comes from this site (Origin, else Referer) and carries
    the form token bound to this browser's cookie; None when it may go ahead."""
    if same_origin(request) and sessions.token_matches(_binding(request), token):
        return None
    t = translator(request)
    return render(
        request, ctx, t, principal, "forbidden.html", status_code=403, reason=t("csrf.refused")
    )


def same_origin(request: Request) -> bool:
    """Whether the browser says this request comes from a page of this site. A browser sends
    Origin with every POST (Referer as a fallback); a client that sends neither is no
    browser posting across sites, and must still present the form token. The host is
    compared, not the scheme, so that a proxy terminating TLS needs no configuration; a
    proxy that rewrites Host may name the public one in X-Forwarded-Host (which no
    cross-site form can set)."""
    claimed = request.headers.get("origin") or request.headers.get("referer")
    if claimed is None:
        return True
    parts = urlsplit(claimed)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (sandboxed or privacy-stripped) or anything stranger
    ours = {request.headers.get("host", ""), request.headers.get("x-forwarded-host", "")}
    return parts.netloc.lower() in {host.lower() for host in ours if host}


# -- the shape of every console and subject page: show it, or act and go back to it -----------


@dataclass(frozen=True)
class Visit:
    """A page asked of the portal: the request, the app and who is signed in."""

    request: Request
    ctx: AppContext
    principal: Principal | None

    @cached_property
    def t(self) -> Translator:
        """The texts and formats of the visitor's language."""
        return translator(self.request)

    def render(self, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
        """``template`` in the visitor's language, for who is signed in."""
        return render(
            self.request, self.ctx, self.t, self.principal, template, status_code, **values
        )


@dataclass(frozen=True)
class Posted(Visit):
    """A form posted to the portal, with the form's token."""

    csrf: str


def visit(
    request: Request,
    ctx: AppContext = Depends(get_ctx),
    principal: Principal | None = Depends(signed_in),
) -> Visit:
    return Visit(request, ctx, principal)


def posted(seen: Visit = Depends(visit), csrf: str = Form("", max_length=100)) -> Posted:
    return Posted(seen.request, seen.ctx, seen.principal, csrf)


# What the console's decision forms share, stated once.
Post = Annotated[Posted, Depends(posted)]
Reasons = Annotated[str, Form(max_length=4000)]  # with the default "": a form may send none
YesNo = Annotated[str, Form(max_length=5)]  # "yes" approves, anything else rejects


Page = Callable[..., Response]  # (visit, principal, error=None, status_code=200)


def shown(seen: Visit, roles: tuple[Role, ...], page: Page) -> Response:
    """``page`` for a signed-in principal of one of ``roles``; anyone else is refused or
    signs in."""
    refused = gate(seen.request, seen.ctx, seen.principal, roles)
    if refused is not None or seen.principal is None:
        return refused or RedirectResponse("/signin", status_code=303)
    return page(seen, seen.principal)


def acted(
    post: Posted,
    roles: tuple[Role, ...],
    action: Callable[[Connection, Principal], None],
    page: Page,
    done: str,
) -> Response:
    """Run ``action(conn, principal)`` in its own transaction, committed before the redirect
    to ``done`` (so the next page sees it); a refused action shows ``page`` with the problem
    (``credo.web.problems``). A post from another site, or without this browser's form
    token, is refused first."""
    request, ctx, principal = post.request, post.ctx, post.principal
    refused = guard_post(request, ctx, principal, post.csrf) or gate(request, ctx, principal, roles)
    if refused is not None or principal is None:
        return refused or RedirectResponse("/signin", status_code=303)
    try:
        with ctx.engine.begin() as conn:
            action(conn, principal)
    except CredoError as exc:
        problem = error_body(exc)
        return page(post, principal, problem["detail"], problem["status"])
    return RedirectResponse(done, status_code=303)
