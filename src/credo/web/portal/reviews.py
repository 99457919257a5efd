"""Advisory decisions in the portal (G-37): a relying party's signed-in person sees the
decisions that wait for a human, confirms or overrides each in their own name, and sees the
override rates of the party's reviewers; operators and auditors see every party's rates.
Thin: the work is in ``credo.checks.review``, the same service as the API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form
from fastapi.responses import Response
from sqlalchemy import Connection

from credo.access.model import Principal, Role
from credo.checks import review
from credo.web.portal import web

router = APIRouter(include_in_schema=False)
PAGE = "/console/reviews"
ROLES = (Role.RELYING_PARTY, *web.CONSOLE_ROLES)


def _page(
    seen: web.Visit, principal: Principal, error: str | None = None, status_code: int = 200
) -> Response:
    ctx = seen.ctx
    now = ctx.clock.now()
    deciding = principal.role is Role.RELYING_PARTY
    with ctx.engine.connect() as conn:
        pending = review.listing(conn, principal, review.PENDING, now) if deciding else []
        decided = review.listing(conn, principal, "all", now, limit=50) if deciding else []
        stats = review.stats(conn, principal)
    return seen.render(
        "reviews.html",
        status_code,
        deciding=deciding,
        pending=pending,
        decided=[r for r in decided if r["status"] != review.PENDING],
        stats=stats,
        min_reasons=review.MIN_REASONS,
        error=error,
    )


@router.get(PAGE, response_model=None)
def reviews_page(seen: web.Visit = Depends(web.visit)) -> Response:
    return web.shown(seen, ROLES, _page)


@router.post(PAGE + "/{decision}", response_model=None)
def decide(
    decision: str,
    post: web.Post,
    outcome: str = Form("", max_length=20),
    reviewer: str = Form("", max_length=120),
    reasons: web.Reasons = "",
) -> Response:
    """A person of the relying party confirms or overrides ``decision`` (the decision's hex
    id, not a database integer), in their own name; a post from another site, or without
    this browser's form token, is refused first."""

    def act(conn: Connection, party: Principal) -> None:
        now = post.ctx.clock.now()
        review.decide(conn, party, decision[:64], outcome, reviewer, reasons, now)

    return web.acted(post, (Role.RELYING_PARTY,), act, _page, PAGE)
