"""Checks' answers besides the decision itself (``credo.web.api.check_models``): a verified
decision, subscriptions and their events, the subject's inquiry log, and the human review of
advisory decisions (G-37)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from credo.web.api.schemas.common import Moment, Strict


class Inquiry(Strict):
    """One logged inquiry: a check, or a subscription's watch (G-24)."""

    id: str = Field(description="The decision id")
    at: Moment
    relying_party_id: str
    principal_id: str
    purpose: str
    transaction_ref: str
    subject_id: int | None
    subject_key: str = Field(description="scheme:value as asked")
    outcome: str
    measures: list[str]
    valid_until: Moment
    as_of: date | None = Field(description="The past day asked about; null: the day it was made")


class InquiryLog(Strict):
    inquiries: list[Inquiry] = Field(description="Newest first")


class Review(Strict):
    """An advisory decision and what a named person of the relying party decided."""

    id: str
    decision_id: str
    status: Literal["pending", "expired", "confirmed", "overridden"]
    purpose: str
    outcome: str = Field(description="The decision's advised outcome")
    measures: list[str] = Field(description="The significant measures applied")
    opened_at: Moment
    valid_until: Moment
    reviewer: str | None
    reasons: str | None
    reviewed_at: Moment | None
    transaction_ref: str | None = None
    subject: str | None = Field(default=None, description="The identifier asked about, masked")
    about: date | None = Field(default=None, description="The past day the check asked about")


class VerifiedDecision(Inquiry):
    """The decision as logged; an advisory one also shows its review."""

    status: Literal["advisory", "confirmed", "overridden", "expired"] | None = Field(
        default=None, description="Only for a decision that needed a person's review"
    )
    review: Review | None = None


class SubscriptionCreated(Strict):
    id: int
    purpose: str
    secret: str = Field(description="The HMAC secret that signs every event (shown once)")


class CheckEvent(Strict):
    """A subscription's event: the decision may have changed; check again."""

    event_id: str
    type: str
    subscription_id: int
    purpose: str
    subject: str = Field(description="The identifier subscribed with")
    occurred_at: Moment
    advice: str
    seq: int


class CheckEvents(Strict):
    events: list[CheckEvent]
    next_after_seq: int = Field(description="Pass as `after_seq` for the next page")


class AdvisoryReviews(Strict):
    reviews: list[Review] = Field(description="Newest first, 200 at most")


class Rates(Strict):
    reviews: int
    confirmed: int
    overridden: int
    override_rate: float | None
    concurrence: float | None
    rubber_stamp: bool


class ReviewerRates(Rates):
    relying_party: str
    reviewer: str


class PartyRates(Rates):
    relying_party: str
    pending: int


class ReviewStats(Strict):
    reviewers: list[ReviewerRates]
    relying_parties: list[PartyRates]
    flag_rule: str
