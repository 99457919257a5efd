"""Ratings over HTTP: the published definitions (anyone), and a subject's rating on any date
with reasons, records and a counterfactual, plus its history (operators, auditors, and the
subject itself). A pending or not-rated answer carries its reason code (``reason``:
no_inputs, missing_feature:<id>, stale_assessment, band_not_rated, band_pending, pending:<id>)
and the input records looked at, in effect or not, with why not (``looked_at``)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Depends, Query

from credo.access.model import Role
from credo.context import AppContext
from credo.ratings.service import definition_of, evaluate_subject, find_rating, history
from credo.web.api.schemas.ratings import PublishedRating, RatingHistory, SubjectRating
from credo.web.auth import Call, call_as, visible_subject
from credo.web.deps import get_ctx

router = APIRouter(prefix="/v1/ratings", tags=["ratings"])

READERS = (Role.OPERATOR, Role.AUDITOR, Role.SUBJECT)


# published without the unset options, as the catalogue writes them
@router.get("", response_model=list[PublishedRating], response_model_exclude_none=True)
def list_ratings(ctx: AppContext = Depends(get_ctx)) -> list[dict[str, Any]]:
    """Every rating's rules are public: features, points, bands and reasons."""
    return [definition_of(r) for r in ctx.catalogue.ratings.values()]


# a reason names ``through`` only when a computed feature carried it
@router.get(
    "/{rating}/subjects/{scheme}/{value}",
    response_model=SubjectRating,
    response_model_exclude_unset=True,
)
def rating_of_subject(
    rating: str,
    scheme: str,
    value: str,
    as_of: date | None = Query(None, description="The date rated (default: today)"),
    known_at: datetime | None = Query(
        None, description="Evaluate with only what was known at this moment"
    ),
    call: Call = Depends(call_as(*READERS)),
) -> dict[str, Any]:
    definition = find_rating(call.ctx.catalogue, rating)
    subject_id = visible_subject(call.conn, call.ctx, call.principal, scheme, value)
    on = as_of or call.ctx.clock.today()
    return evaluate_subject(call.conn, call.ctx.catalogue, definition, subject_id, on, known_at)


@router.get("/{rating}/subjects/{scheme}/{value}/history", response_model=RatingHistory)
def rating_history(
    rating: str,
    scheme: str,
    value: str,
    call: Call = Depends(call_as(*READERS)),
) -> dict[str, Any]:
    definition = find_rating(call.ctx.catalogue, rating)
    subject_id = visible_subject(call.conn, call.ctx, call.principal, scheme, value)
    return history(call.conn, call.ctx.catalogue, definition, subject_id, call.ctx.clock.today())
