"""FastAPI dependencies: the app context, a transaction, the authenticated principal, and
the subjects a principal may see."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.access.service import authenticate
from credo.context import AppContext
from credo.errors import Forbidden, NotFound
from credo.subjects.service import resolve_identifier

bearer = HTTPBearer(auto_error=False, description="API key issued by the operator")


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def get_conn(ctx: AppContext = Depends(get_ctx)) -> Iterator[Connection]:
    """One transaction per request, committed before the response is sent."""
    with ctx.engine.begin() as conn:
        yield conn


def current_principal(
    request: Request,
    credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    ctx: AppContext = Depends(get_ctx),
) -> Principal:
    key = credentials.credentials if credentials else request.headers.get("X-API-Key")
    with ctx.engine.connect() as conn:
        return authenticate(conn, key)


def require(*roles: Role) -> Callable[..., Principal]:
    """A dependency that admits only the given roles (least privilege)."""

    def dependency(principal: Principal = Depends(current_principal)) -> Principal:
        if principal.role not in roles:
            allowed = ", ".join(r.value for r in roles)
            raise Forbidden(f"this endpoint is for {allowed}; you are a {principal.role.value}")
        return principal

    return dependency


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
