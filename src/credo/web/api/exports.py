"""Exports over HTTP, paged (credo.exports, G-50): a public rating's results for organisations
and public bodies, a public list's entries as the register shows them, and the counts of
everything else with small cells suppressed. Operators and auditors only: the registry's
people, whose every page is an audit entry; relying parties reach only the decision API, and
the public reads the register (G-50)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from credo.access.model import Role
from credo.catalog.catalogue import Catalogue
from credo.exports import service
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

Row = TypeVar("Row", bound=BaseModel)

AsOf = Annotated[dt.date | None, Query(description="Evaluate on this date (default: the state)")]
On = Annotated[dt.date | None, Query(description="Entries in effect on this date (default today)")]
Exporter = Annotated[Call, Depends(call_as(*EXPORTERS))]
# service.rating_plan or service.list_plan: (catalogue, ref, day or None, today) -> Plan
Planner = Callable[[Catalogue, str, dt.date | None, dt.date], service.Plan]


@dataclass(frozen=True)
class Paging:
    cursor: str = PageCursor
    limit: int = Limit


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


class Paged(BaseModel, Generic[Row]):
    """A page of an export's rows."""

    items: list[Row]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page")


class RatingPage(Paged[RatingRow]):
    rating: str
    as_of: dt.date
    evaluated: bool = Field(description="Evaluated on as_of (true) or the stored state")


class ListPage(Paged[ListRow]):
    list: str
    on: dt.date


PageOut = TypeVar("PageOut", bound=Paged[Any])


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


class Export:
    """One export asked for: the call that reads it (audited as the caller) and its plan, made
    when the route runs, after every parameter has been checked."""

    def __init__(self, call: Call, plan: Callable[[], service.Plan]) -> None:
        self.call = call
        self._plan = plan

    @classmethod
    def of(cls, call: Call, planner: Planner, ref: str, on: dt.date | None) -> Export:
        """The export of ``ref`` on ``on`` (None: the planner's default day)."""
        ctx = call.ctx
        return cls(call, partial(planner, ctx.catalogue, ref, on, ctx.clock.today()))

    @cached_property
    def plan(self) -> service.Plan:
        return self._plan()

    def page(self, answer: type[PageOut], paging: Paging, **heading: Any) -> PageOut:
        """A page of rows as ``answer``, under the export's ``heading`` fields."""
        call, plan, cursor, limit = self.call, self.plan, paging.cursor, paging.limit
        page = service.page(call.conn, call.ctx, self._actor, plan, cursor, limit)
        return answer(items=page.items, next_cursor=page.next_cursor, **heading)

    def aggregate(self) -> AggregateOut:
        plan = self.plan
        counted = service.counts(self.call.conn, self.call.ctx, self._actor, plan)
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

    @property
    def _actor(self) -> str:
        principal = self.call.principal
        return f"{principal.role.value}:{principal.id}"


def rating_export(rating: str, call: Exporter, as_of: AsOf = None) -> Export:
    return Export.of(call, service.rating_plan, rating, as_of)


def list_export(list_id: str, call: Exporter, on: On = None) -> Export:
    return Export.of(call, service.list_plan, list_id, on)


@router.get("/ratings/{rating}", response_model=RatingPage)
def rating_page(export: Export = Depends(rating_export), paging: Paging = Depends()) -> RatingPage:
    """A public rating's results for organisations and public bodies, by subject id."""
    plan = export.plan
    return export.page(
        RatingPage, paging, rating=plan.name, as_of=plan.on, evaluated=plan.evaluated
    )


@router.get("/ratings/{rating}/aggregate", response_model=AggregateOut)
def rating_aggregate(export: Export = Depends(rating_export)) -> AggregateOut:
    """Counts per subject kind and band of the results that do not leave one by one."""
    return export.aggregate()


@router.get("/lists/{list_id}", response_model=ListPage)
def list_page(export: Export = Depends(list_export), paging: Paging = Depends()) -> ListPage:
    """A public list's entries exactly as the public register shows them, by entry id."""
    plan = export.plan
    return export.page(ListPage, paging, list=plan.name, on=plan.on)


@router.get("/lists/{list_id}/aggregate", response_model=AggregateOut)
def list_aggregate(export: Export = Depends(list_export)) -> AggregateOut:
    """Counts per subject kind and year of the entries that do not leave one by one."""
    return export.aggregate()
