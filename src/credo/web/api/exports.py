"""Exports over HTTP, paged (credo.exports, G-50): a public rating's results for organisations
and public bodies, a public list's entries as the register shows them, and the counts of
everything else with small cells suppressed. Operators and auditors only: the registry's
people, whose every page is an audit entry; relying parties reach only the decision API, and
the public reads the register (G-50)."""

from __future__ import annotations

import builtins
import datetime as dt

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from credo.access.model import Principal, Role
from credo.exports import service
from credo.statistics import Aggregate
from credo.web.auth import Call, call_as

router = APIRouter(prefix="/v1/exports", tags=["exports"])

EXPORTERS = (Role.OPERATOR, Role.AUDITOR)
MAX_PAGE = 1000

Limit = Query(100, ge=1, le=MAX_PAGE, description="Rows per page")
PageCursor = Query(
    "",
    max_length=32,
    pattern="^[0-9a-f]*$",
    description="The `next_cursor` of the page before (empty: the first page)",
)


class RatingRow(BaseModel):
    rating: str
    subject_id: int
    kind: str
    name: str | None
    uscc: str | None
    as_of: dt.date
    band: str
    total: float | None
    reason: str | None


class ListRow(BaseModel):
    name: str | None
    id: str = Field(description="As the register shows it: a resident ID masked")
    kind: str
    organisation_id: int | None
    case: str
    amount: float | None
    date: dt.date
    until: dt.date


class RatingPage(BaseModel):
    rating: str
    as_of: dt.date
    evaluated: bool = Field(description="Evaluated on as_of (true) or the stored state")
    items: list[RatingRow]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class ListPage(BaseModel):
    list: str
    on: dt.date
    items: builtins.list[ListRow]  # ``list`` is the field above
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class CellOut(BaseModel):
    kind: str
    group: str = Field(description="The band (ratings) or the year taking effect (lists)")
    count: int | None = Field(description="null: suppressed, fewer than the minimum")
    shown: str


class AggregateOut(BaseModel):
    export: str
    name: str
    on: dt.date
    grouped_by: list[str]
    minimum: int
    total_shown: int
    suppressed: int
    cells: list[CellOut]


def _actor(principal: Principal) -> str:
    return f"{principal.role.value}:{principal.id}"


def _aggregate_out(plan: service.Plan, counted: Aggregate[tuple[str, str]]) -> AggregateOut:
    return AggregateOut(
        export=plan.what,
        name=plan.name,
        on=plan.on,
        grouped_by=["kind", plan.group_by],
        minimum=counted.minimum,
        total_shown=counted.total,
        suppressed=counted.suppressed,
        cells=[
            CellOut(kind=c.key[0], group=c.key[1], count=c.count, shown=c.shown)
            for c in counted.cells
        ],
    )


@router.get("/ratings/{rating}", response_model=RatingPage)
def rating_page(
    rating: str,
    as_of: dt.date | None = Query(None, description="Evaluate on this date (default: the state)"),
    cursor: str = PageCursor,
    limit: int = Limit,
    call: Call = Depends(call_as(*EXPORTERS)),
) -> RatingPage:
    """A public rating's results for organisations and public bodies, by subject id."""
    plan = service.rating_plan(call.ctx.catalogue, rating, as_of, call.ctx.clock.today())
    page = service.page(call.conn, call.ctx, _actor(call.principal), plan, cursor, limit)
    return RatingPage(
        rating=plan.name,
        as_of=plan.on,
        evaluated=plan.evaluated,
        items=[RatingRow(**item) for item in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/ratings/{rating}/aggregate", response_model=AggregateOut)
def rating_aggregate(
    rating: str,
    as_of: dt.date | None = Query(None, description="Evaluate on this date (default: the state)"),
    call: Call = Depends(call_as(*EXPORTERS)),
) -> AggregateOut:
    """Counts per subject kind and band of the results that do not leave one by one."""
    plan = service.rating_plan(call.ctx.catalogue, rating, as_of, call.ctx.clock.today())
    return _aggregate_out(plan, service.counts(call.conn, call.ctx, _actor(call.principal), plan))


@router.get("/lists/{list_id}", response_model=ListPage)
def list_page(
    list_id: str,
    on: dt.date | None = Query(None, description="Entries in effect on this date (default today)"),
    cursor: str = PageCursor,
    limit: int = Limit,
    call: Call = Depends(call_as(*EXPORTERS)),
) -> ListPage:
    """A public list's entries exactly as the public register shows them, by entry id."""
    plan = service.list_plan(call.ctx.catalogue, list_id, on, call.ctx.clock.today())
    page = service.page(call.conn, call.ctx, _actor(call.principal), plan, cursor, limit)
    return ListPage(
        list=plan.name,
        on=plan.on,
        items=[ListRow(**item) for item in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/lists/{list_id}/aggregate", response_model=AggregateOut)
def list_aggregate(
    list_id: str,
    on: dt.date | None = Query(None, description="Entries in effect on this date (default today)"),
    call: Call = Depends(call_as(*EXPORTERS)),
) -> AggregateOut:
    """Counts per subject kind and year of the entries that do not leave one by one."""
    plan = service.list_plan(call.ctx.catalogue, list_id, on, call.ctx.clock.today())
    return _aggregate_out(plan, service.counts(call.conn, call.ctx, _actor(call.principal), plan))
