"""Ratings' answers: the published definitions (the catalogue's ``RatingDef``), a subject's
rating with its explanation, and its history."""

from __future__ import annotations

import warnings
from datetime import date
from typing import Literal

from pydantic import Field

from credo.catalog.models import Text
from credo.catalog.ratings import RatingDef
from credo.web.api.schemas.common import JsonValue, Moment, Strict

with warnings.catch_warnings():  # the field ``key`` is what RatingDef's property ``key`` gives
    warnings.filterwarnings("ignore", message='Field name "key"', category=UserWarning)

    class PublishedRating(RatingDef):
        """A rating's rules in full, as the catalogue writes them, with its ``id@version``."""

        key: str = Field(description="id@version")


class RatingReason(Strict):
    """What moved the result (or why it is pending or not rated)."""

    code: str
    feature: str | None
    value: JsonValue = Field(description="The feature's value")
    points: float | None
    text: Text | None
    through: str | None = Field(
        default=None, description="The computed feature the reason's feature moved"
    )


class Counterfactual(Strict):
    """The smallest change to one feature that gives the next better band."""

    feature: str
    from_: float = Field(alias="from")
    to: float
    change: float
    direction: Literal["at_most", "at_least"]
    band: str
    statement: Text
    text: Text | None


class LookedAt(Strict):
    """An input record looked at, in effect on the day or not (and why not)."""

    record_id: str
    record_type: str
    occurred_on: date
    effective_from: date
    effect_until: date
    in_effect: bool
    why_not: str | None
    features: list[str] = Field(description="The features it counts in (in effect only)")


class SubjectRating(Strict):
    rating: str
    subject_id: int
    as_of: date
    knowledge: Literal["today", "as_known_then"]
    known_at: Moment | None
    band: str
    reason: str | None = Field(description="Why a pending or not-rated result is so")
    reason_text: Text | None
    total: float | None
    features: dict[str, JsonValue]
    reasons: list[RatingReason]
    counterfactual: Counterfactual | None
    records: list[str] = Field(description="The records that contributed")
    looked_at: list[LookedAt]


class RatingOnDay(Strict):
    as_of: date
    known_at: Moment
    band_as_known_then: str
    band_with_todays_knowledge: str
    reason_as_known_then: str | None
    reason_with_todays_knowledge: str | None
    revised: bool


class RatingSnapshot(Strict):
    snapshot_id: int
    as_of: date
    band: str
    total: float | None
    reason: str | None


class RatingHistory(Strict):
    rating: str
    subject_id: int
    entries: list[RatingOnDay]
    snapshots: list[RatingSnapshot]
