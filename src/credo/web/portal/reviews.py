"""Advisory decisions in the portal (G-37): a relying party's signed-in person sees the
decisions that wait for a human, confirms or overrides each in their own name, and sees the
override rates of the party's reviewers; operators and auditors see every party's rates.
Thin: the work is in ``credo.checks.review``, the same service as the API."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from credo.access.model import Principal, Role
from credo.checks import review
from credo.context import AppContext
from credo.errors import CredoError
from credo.web.api.deps import get_ctx
from credo.web.portal.web import CONSOLE_ROLES, gate, guard_post, render, signed_in, translator

router = APIRouter(include_in_schema=False)
PAGE = "/console/reviews"
ROLES = (Role.RELYING_PARTY, *CONSOLE_ROLES)


def _page(
    request: Request,
    ctx: AppContext,
    principal: Principal,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    now = ctx.clock.now()
    deciding = principal.role is Role.RELYING_PARTY
    with ctx.engine.connect() as conn:
        pending = review.listing(conn, principal, review.PENDING, now) if deciding else []
        decided = review.listing(conn, principal, "all", now, limit=50) if deciding else []
        stats = review.stats(conn, principal)
    return render(
        request,
        ctx,
        translator(request),
        principal,
        "reviews.html",
        status_code=status_code,
        deciding=deciding,
        pending=pending,
        decided=[r for r in decided if r["status"] != review.PENDING],
        stats=stats,
        min_reasons=review.MIN_REASONS,
        error=error,
    )


@router.get(PAGE, response_model=None)
def reviews_page(
    request: Request,
    ctx: AppContext = Depends(get_ctx),
    principal: Principal | None = Depends(signed_in),
) -> Response:
    refused = gate(request, ctx, principal, ROLES)
    if refused is not None or principal is None:
        return refused or RedirectResponse("/signin", status_code=303)
    return _page(request, ctx, principal)


@router.post(PAGE + "/{decision}", response_model=None)
def decide(
    decision: str,
    request: Request,
    outcome: str = Form("", max_length=20),
    reviewer: str = Form("", max_length=120),
    reasons: str = Form("", max_length=4000),
    csrf: str = Form("", max_length=100),
    ctx: AppContext = Depends(get_ctx),
    principal: Principal | None = Depends(signed_in),
) -> Response:
    """A person of the relying party confirms or overrides ``decision`` (the decision's hex
    id, not a database integer), in their own name; a post from another site, or without
    this browser's form token, is refused first."""
    refused = guard_post(request, ctx, principal, csrf) or gate(
        request, ctx, principal, (Role.RELYING_PARTY,)
    )
    if refused is not None or principal is None:
        return refused or RedirectResponse("/signin", status_code=303)
    try:
        with ctx.engine.begin() as conn:
            review.decide(
                conn, principal, decision[:64], outcome, reviewer, reasons, ctx.clock.now()
            )
    except CredoError as exc:
        return _page(request, ctx, principal, exc.detail, exc.status)
    return RedirectResponse(PAGE, status_code=303)
