"""HTTP API for the human review of advisory decisions (G-37): a relying party lists its
advisory decisions and has a named person confirm or override each; per-reviewer override
rates for the party itself, operators and auditors. Thin: the work is in credo.checks.review."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, ConfigDict, Field

from credo.access.model import Role
from credo.checks import review
from credo.web.api.schemas.checks import AdvisoryReviews, Review, ReviewStats
from credo.web.auth import Call, call_as

router = APIRouter(prefix="/v1/reviews", tags=["reviews of advisory decisions (G-37)"])
ReviewId = Path(max_length=64, description="The advisory decision's id (its `review.id`)")


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["confirm", "override"] = Field(
        description="confirm: the decision takes effect as advised; override: your organisation "
        "departs from it"
    )
    reviewer: str = Field(
        min_length=2,
        max_length=120,
        description="The named person of your organisation who decides",
        examples=["Wang Fang, procurement officer"],
    )
    reasons: str = Field(
        default="",
        max_length=4000,
        description=f"Why; required for an override (at least {review.MIN_REASONS} characters)",
    )


@router.get("", response_model=AdvisoryReviews)
def list_reviews(
    status: str = Query(
        "pending",
        max_length=20,
        description="pending (awaiting a person, still valid), expired (never reviewed), "
        "confirmed, overridden or all",
    ),
    call: Call = Depends(call_as(Role.RELYING_PARTY)),
) -> dict[str, Any]:
    """Your advisory decisions, newest first (200 at most)."""
    return {"reviews": review.listing(call.conn, call.principal, status, call.ctx.clock.now())}


@router.get("/stats", response_model=ReviewStats)
def review_stats(
    call: Call = Depends(call_as(Role.RELYING_PARTY, Role.OPERATOR, Role.AUDITOR)),
) -> dict[str, Any]:
    """Per reviewer and per relying party: confirmations, overrides, override rate, and a flag
    for near-100 % concurrence (rubber-stamping). A relying party sees its own."""
    return review.stats(call.conn, call.principal)


@router.get("/{review_id}", response_model=Review)
def get_review(
    review_id: str = ReviewId,
    call: Call = Depends(call_as(Role.RELYING_PARTY)),
) -> dict[str, Any]:
    """One advisory decision of yours and what your reviewer decided (its final status)."""
    return review.one(call.conn, call.principal, review_id, call.ctx.clock.now())


@router.post(
    "/{review_id}",
    response_model=Review,
    responses={
        404: {"description": "No advisory decision with this id of yours"},
        409: {"description": "Already reviewed, or expired unreviewed (check again)"},
        422: {"description": "No reviewer named, or an override without reasons"},
    },
)
def decide_review(
    body: ReviewIn,
    review_id: str = ReviewId,
    call: Call = Depends(call_as(Role.RELYING_PARTY)),
) -> dict[str, Any]:
    """A named person of your organisation confirms the advisory decision or overrides it
    with reasons; recorded with the audit log."""
    return review.decide(
        call.conn,
        call.principal,
        review_id,
        body.outcome,
        body.reviewer,
        body.reasons,
        call.ctx.clock.now(),
    )
