"""FastAPI dependencies: the app context, a transaction, and the authenticated principal."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.access.service import authenticate
from credo.context import AppContext
from credo.errors import Forbidden

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
