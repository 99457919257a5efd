"""HTTP API for lists: the catalogue's lists with their rules (public, G-25), and each list's
entries in effect on a date: public lists with masked identifiers, others for operators."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection

from credo.access.model import Role
from credo.access.service import authenticate
from credo.api.deps import get_conn, get_ctx
from credo.context import AppContext
from credo.errors import Forbidden, NotFound
from credo.lists import repository
from credo.subjects.identifiers import mask_identifier

router = APIRouter(prefix="/v1/lists", tags=["lists"])


@router.get("")
def all_lists(ctx: AppContext = Depends(get_ctx)) -> dict[str, Any]:
    """Every list with its entry rule, legal basis, notice, term, exits and publicity."""
    return {
        "lists": [list_def.model_dump(mode="json") for list_def in ctx.catalogue.lists.values()]
    }


@router.get("/{list_id}/entries")
def list_entries(
    list_id: str,
    request: Request,
    on: date | None = Query(None, description="Entries in effect on this date (default today)"),
    after: str = Query("", max_length=32, description="Page after this entry id"),
    limit: int = Query(100, ge=1, le=1000),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    list_def = ctx.catalogue.lists.get(list_id)
    if list_def is None:
        raise NotFound(f"no list {list_id!r}")
    if list_def.publicity != "public_masked":
        _require_operator(request, ctx)
    day = on or ctx.clock.today()
    rows = repository.effective_entries_of_list(conn, list_id, day, limit, after)
    return {
        "list": list_id,
        "on": day.isoformat(),
        "entries": [_public(row) for row in rows],
        "next_after": rows[-1]["id"] if len(rows) == limit else None,
    }


def _require_operator(request: Request, ctx: AppContext) -> None:
    header = request.headers.get("Authorization", "")
    bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
    with ctx.engine.connect() as conn:
        principal = authenticate(conn, bearer or request.headers.get("X-API-Key"))
    if principal.role not in (Role.OPERATOR, Role.AUDITOR):
        raise Forbidden("this list is not public: operators and auditors only")


def _public(row: Any) -> dict[str, Any]:
    scheme, _, value = (row["identifier"] or ":").partition(":")
    return {
        "entry_id": row["id"],
        "subject": f"{scheme}:{mask_identifier(scheme, value)}",
        "effective_on": row["effective_on"].isoformat(),
        "ends_on": row["ends_on"].isoformat(),
        "status": row["status"],
    }
