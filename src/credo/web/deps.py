"""What every request of the web edge needs, API and portal alike: the app context and one
transaction per request."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends, Request
from sqlalchemy import Connection

from credo.context import AppContext


def get_ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


def get_conn(ctx: AppContext = Depends(get_ctx)) -> Iterator[Connection]:
    """One transaction per request, committed before the response is sent."""
    with ctx.engine.begin() as conn:
        yield conn
