"""Furnisher quality on the operator console (G-49): each furnisher's rates as stored by the
jobs runner, its hold, and the operator's release with reasons. Thin: the work is done by
``credo.quality.service``, the same service as the API and the CLI."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlalchemy import Connection, RowMapping

from credo.access.model import Principal, Role
from credo.context import AppContext
from credo.quality import service
from credo.web.portal import web
from credo.web.portal.i18n import Translator

router = APIRouter(include_in_schema=False)
PAGE = "/console/quality"
RATES = tuple(service.RATES)


def _page(
    seen: web.Visit, principal: Principal, error: str | None = None, status_code: int = 200
) -> Response:
    ctx, t = seen.ctx, seen.t
    with ctx.engine.connect() as conn:
        rows = service.quality_rows(conn)
    policy = ctx.catalogue.furnisher_quality
    intro = t("quality.intro").format(days=policy.window_days, records=policy.min_records)
    return seen.render(
        "quality.html",
        status_code,
        intro=intro,
        rates=RATES,
        thresholds={r: service.percent(getattr(policy.thresholds, r)) for r in RATES},
        furnishers=[_row(ctx, t, row) for row in rows],
        error=error,
    )


def _row(ctx: AppContext, t: Translator, row: RowMapping) -> dict[str, Any]:
    furnisher = ctx.catalogue.furnishers.get(row["furnisher_id"])
    counts = {rate: service.RATES[rate] for rate in RATES}
    return {
        "id": row["furnisher_id"],
        "name": t.pick(furnisher.name) if furnisher else row["furnisher_id"],
        "records": t.number(row["records"]),
        "rates": {
            rate: (
                "—"
                if row[rate] is None
                else f"{service.percent(row[rate])} ({row[top]}/{row[bottom]})"
            )
            for rate, (top, bottom) in counts.items()
        },
        "held": row["held"],
        "held_since": t.date(row["held_since"]),
        "hold_reason": row["hold_reason"] or "",
        "released_at": t.date(row["released_at"]) if row["released_at"] else None,
        "released_by": row["released_by"] or "",
        "release_reason": row["release_reason"] or "",
        "evaluated_at": t.date(row["evaluated_at"]),
    }


@router.get(PAGE, response_model=None)
def quality_page(seen: web.Visit = Depends(web.visit)) -> Response:
    return web.shown(seen, web.CONSOLE_ROLES, _page)


@router.post("/console/furnishers/{furnisher_id}/release", response_model=None)
def release(furnisher_id: str, post: web.Post, reasons: web.Reasons = "") -> Response:
    """An operator lifts a hold with reasons (audited), committed before the redirect; a
    refused release shows the page with the reason. A post from another site, or without
    this browser's form token, is refused first."""

    def act(conn: Connection, operator: Principal) -> None:
        clock = post.ctx.clock
        service.release(conn, clock, furnisher_id[:64], f"operator:{operator.id}", reasons)

    return web.acted(post, (Role.OPERATOR,), act, _page, PAGE)
