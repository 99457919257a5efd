"""Who is asking, for the API and the portal alike: the one reader of the credentials a
request presents, and the one way they become a principal (``credo.access.model.Principal``).

The API takes an API key, as ``Authorization: Bearer <key>`` or ``X-API-Key: <key>`` (the
bearer token wins when both are sent). The portal takes a session cookie, opened by signing
in with the same key (``credo.access.sessions``). Either way the request acts as the key's
principal, looked up again on every request: a revoked key or session stops working at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from credo.access import sessions
from credo.access.model import Principal, Role
from credo.access.service import authenticate
from credo.context import AppContext
from credo.errors import Forbidden, NotFound
from credo.subjects.service import resolve_identifier
from credo.web.deps import get_conn, get_ctx

SESSION_COOKIE = "credo_session"
# Declares the API's security scheme in the OpenAPI document; the key itself is read by
# ``presented_key``, which also takes X-API-Key.
bearer = HTTPBearer(auto_error=False, description="API key issued by the operator")

Headers = Iterable[tuple[bytes, bytes]]  # an ASGI scope's raw headers


def presented_key(headers: Headers) -> str | None:
    """The API key a request presents: the bearer token, else the X-API-Key header."""
    other = None
    for name, value in headers:
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            token = value[7:].decode("latin-1").strip()
            if token:
                return token
        elif name == b"x-api-key":
            other = value.decode("latin-1").strip() or None
    return other


def presented_session(cookies: Mapping[str, str]) -> str | None:
    """The portal session a browser presents (its opaque id), if any."""
    return cookies.get(SESSION_COOKIE) or None


def presents_credentials(headers: Headers) -> bool:
    """Whether a request carries a key or a session (its response is then never cached)."""
    cookie = SESSION_COOKIE.encode() + b"="
    return any(
        name in (b"authorization", b"x-api-key") or (name == b"cookie" and cookie in value)
        for name, value in headers
    )


def key_principal(ctx: AppContext, key: str | None) -> Principal:
    """The principal of an API key; NotAuthenticated (401) for none, or an unknown one."""
    with ctx.engine.connect() as conn:
        return authenticate(conn, key)


def session_principal(ctx: AppContext, session_id: str | None) -> Principal | None:
    """The principal of an open portal session; None for no session, or an ended one."""
    if not session_id:
        return None
    with ctx.engine.connect() as conn:
        return sessions.principal_of(conn, session_id, ctx.clock.now())


def admit(principal: Principal, roles: Iterable[Role], refusal: str | None = None) -> Principal:
    """``principal`` when its role is one of ``roles``, else Forbidden (least privilege)."""
    allowed = tuple(roles)
    if principal.role not in allowed:
        names = ", ".join(r.value for r in allowed)
        raise Forbidden(
            refusal or f"this endpoint is for {names}; you are a {principal.role.value}"
        )
    return principal


# -- FastAPI dependencies ---------------------------------------------------------------------


def api_principal(
    request: Request,
    _: HTTPAuthorizationCredentials | None = Security(bearer),
    ctx: AppContext = Depends(get_ctx),
) -> Principal:
    """The API's caller, by its key (401 without a valid one)."""
    return key_principal(ctx, presented_key(request.scope["headers"]))


def require(*roles: Role) -> Callable[..., Principal]:
    """An API dependency that admits only the given roles."""

    def dependency(principal: Principal = Depends(api_principal)) -> Principal:
        return admit(principal, roles)

    return dependency


def signed_in(request: Request, ctx: AppContext = Depends(get_ctx)) -> Principal | None:
    """The portal's visitor, by their session (None when nobody is signed in)."""
    return session_principal(ctx, presented_session(request.cookies))


def open_session(ctx: AppContext, key: str) -> tuple[Principal, str]:
    """Sign in to the portal with an API key: the principal and the new session's id."""
    with ctx.engine.begin() as conn:
        return sessions.sign_in(conn, key.strip(), ctx.clock.now())


def close_session(ctx: AppContext, cookies: Mapping[str, str]) -> None:
    """Revoke the browser's session on the server (a copied cookie is dead too)."""
    with ctx.engine.begin() as conn:
        sessions.sign_out(conn, presented_session(cookies), ctx.clock.now())


def visible_subject(
    conn: Connection, ctx: AppContext, principal: Principal, scheme: str, value: str
) -> int:
    """The id of the subject named by ``scheme``/``value`` if ``principal`` may see it, else
    404. A subject sees only itself, and another person's number answers exactly as a number
    nobody registered does (no registration oracle); a malformed number is a 422 for anyone,
    which says nothing about the registry."""
    if principal.role != Role.SUBJECT:
        return resolve_identifier(conn, ctx.catalogue, scheme, value)
    try:
        subject_id = resolve_identifier(conn, ctx.catalogue, scheme, value)
    except NotFound:
        subject_id = None
    if subject_id is None or subject_id != principal.subject_id:
        raise NotFound(f"no subject with {scheme} {value}")
    return subject_id


@dataclass(frozen=True)
class Call:
    """What an API route works with: who calls, the app, and the request's transaction."""

    principal: Principal
    ctx: AppContext
    conn: Connection

    @property
    def subject_id(self) -> int:
        assert self.principal.subject_id is not None  # subject principals are bound to one
        return self.principal.subject_id

    @property
    def actor(self) -> str:
        """How the audit log names the caller (``operator:ann``)."""
        return f"{self.principal.role.value}:{self.principal.id}"


def call_as(*roles: Role) -> Callable[..., Call]:
    """An API dependency: the call of a principal of one of ``roles``."""

    def dependency(
        principal: Principal = Depends(require(*roles)),
        ctx: AppContext = Depends(get_ctx),
        conn: Connection = Depends(get_conn),
    ) -> Call:
        return Call(principal, ctx, conn)

    return dependency


# The callers of most routes, as a route's parameter (``call: AsOperator``).
AsOperator = Annotated[Call, Depends(call_as(Role.OPERATOR))]
AsSubject = Annotated[Call, Depends(call_as(Role.SUBJECT))]
