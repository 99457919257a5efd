"""HTTP API for lists: the catalogue's lists with their rules (public, G-25), and each list's
entries: public lists, with masked identifiers, as they stand today (history, any date, and
lists that are not public are for operators and auditors)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import Connection

from credo.access.model import Role
from credo.context import AppContext
from credo.errors import Forbidden, NotFound
from credo.lists import queries as lists_queries
from credo.lists.queries import StoredEntry
from credo.subjects import service as subjects_service
from credo.subjects.identifiers import mask_identifier
from credo.web.api.schemas.lists import EntriesPage, PublishedLists
from credo.web.auth import key_principal, presented_key
from credo.web.deps import get_conn, get_ctx

router = APIRouter(prefix="/v1/lists", tags=["lists"])


@router.get("", response_model=PublishedLists)
def all_lists(ctx: AppContext = Depends(get_ctx)) -> dict[str, Any]:
    """Every list with its entry rule, legal basis, notice, term, exits and publicity."""
    return {
        "lists": [list_def.model_dump(mode="json") for list_def in ctx.catalogue.lists.values()]
    }


HISTORY_IS_NOT_PUBLIC = (
    "the public register shows only what is in effect today; a list's history is for the "
    "subject (in their own report), operators and auditors"
)


@router.get("/{list_id}/entries", response_model=EntriesPage)
def list_entries(
    list_id: str,
    request: Request,
    on: date | None = Query(
        None,
        description="Entries in effect on this date (default today). The public may only ask "
        "today; other dates need an operator's or auditor's key.",
    ),
    after: str = Query("", max_length=32, description="Page after this entry id"),
    limit: int = Query(100, ge=1, le=1000),
    ctx: AppContext = Depends(get_ctx),
    conn: Connection = Depends(get_conn),
) -> dict[str, Any]:
    """A list's entries: public lists show, to anyone, what is in effect today (never an
    entry that has ended); other dates, and lists that are not public, are for operators
    and auditors."""
    list_def = ctx.catalogue.lists.get(list_id)
    if list_def is None:
        raise NotFound(f"no list {list_id!r}")
    today = ctx.clock.today()
    day = on or today
    if list_def.publicity != "public_masked":
        _require_operator(request, ctx, "this list is not public: operators and auditors only")
    elif day != today:
        _require_operator(request, ctx, HISTORY_IS_NOT_PUBLIC, history=True)
    else:  # the public view: in effect today and not ended
        rows = lists_queries.entries_of_list(conn, list_id, today, after=after, limit=limit)
        return _page(conn, list_id, today, rows, limit)
    rows = lists_queries.entries_of_list(conn, list_id, day, "held", after=after, limit=limit)
    return _page(conn, list_id, day, rows, limit)


def _page(
    conn: Connection, list_id: str, day: date, rows: list[StoredEntry], limit: int
) -> dict[str, Any]:
    identifiers = subjects_service.first_identifiers(conn, [r.subject_id for r in rows])
    return {
        "list": list_id,
        "on": day.isoformat(),
        "entries": [_public(row, identifiers.get(row.subject_id)) for row in rows],
        "next_after": rows[-1].id if len(rows) == limit else None,
    }


def _require_operator(
    request: Request, ctx: AppContext, refusal: str, history: bool = False
) -> None:
    key = presented_key(request.scope["headers"])
    if not key and history:
        raise Forbidden(refusal, code="history_not_public")
    principal = key_principal(ctx, key)
    if principal.role not in (Role.OPERATOR, Role.AUDITOR):
        raise Forbidden(refusal, code="history_not_public" if history else "forbidden")


def _public(row: StoredEntry, identifier: str | None) -> dict[str, Any]:
    scheme, _, value = (identifier or ":").partition(":")
    return {
        "entry_id": row.id,
        "subject": f"{scheme}:{mask_identifier(scheme, value)}",
        "effective_on": row.effective_on.isoformat(),
        "ends_on": row.ends_on.isoformat(),
        "status": row.status,
    }
