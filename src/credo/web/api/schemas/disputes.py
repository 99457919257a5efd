"""Due process's answers: cases (disputes, "not me" claims, repair applications) as stored,
a statement's id, and the subject's own report (G-23)."""

from __future__ import annotations

import builtins
from datetime import date

from pydantic import Field

from credo.catalog.models import LegalBasis, Text
from credo.web.api.schemas.common import JsonObject, JsonValue, Moment, Strict
from credo.web.api.schemas.subjects import SubjectSummary


class DisputeCase(Strict):
    """A dispute (G-26) or a "not me" claim (G-20) against one record chain."""

    id: int
    kind: str = Field(description="dispute or identity_claim")
    subject_id: int
    chain_id: str
    record_id: str
    furnisher_id: str
    category: str
    grounds: str
    evidence: JsonObject | None
    status: str
    opened_at: Moment
    deadline_at: Moment
    extended: bool
    resolved_at: Moment | None
    resolved_by: str | None
    reasons: str | None


class RepairCase(Strict):
    """A credit-repair application (G-42), decided by its deadline."""

    id: int
    subject_id: int
    target_kind: str = Field(description="record or list_entry")
    target_ref: str
    condition: str
    proof: JsonObject
    status: str = Field(description="pending, approved or rejected")
    applied_at: Moment
    deadline_at: Moment
    overdue_flagged_at: Moment | None
    decided_at: Moment | None
    decided_by: str | None
    reasons: str | None


class StatementCreated(Strict):
    id: int


# -- the subject's report ---------------------------------------------------------------------


class RecordSource(Strict):
    furnisher_id: str
    furnisher: Text | None
    source_ref: str


class Term(Strict):
    ends_on: date | None
    until: str | None
    review_on: date | None


class Restriction(Strict):
    """A suppression of the record's effect (a dispute, a claim, a repair ...)."""

    id: int
    chain_id: str
    subject_id: int
    reason: str
    ref: str | None
    opened_at: Moment
    closed_at: Moment | None


class ReportStatement(Strict):
    """One statement of the record's history, as the subject sees it."""

    record_id: str
    revision: int
    action: str
    occurred_on: date
    effective_from: date
    finality: str
    term_ends_on: date | None
    term_until: str | None
    review_on: date | None
    effect_until: date
    end_reason: str | None
    payload: JsonObject
    evidence: JsonObject | None
    received_at: Moment


class SubjectStatementText(Strict):
    text: str
    created_at: Moment


class ReportRecord(Strict):
    record_id: str
    chain_id: str
    revision: int
    record_type: str
    type_name: Text | None
    domain: str | None
    legal_basis: LegalBasis | None
    source: RecordSource
    state: str
    finality: str
    occurred_on: date
    effective_from: date
    effect_until: date
    expires_on: date
    performed_on: date | None
    term: Term
    confirmed_on: date | None
    ended_on: date | None
    end_reason: str | None
    effect_reason: str | None = Field(description="Why it has no effect today; null: in effect")
    repair_eligible_on: date | None
    payload: JsonObject
    effect: str = Field(description="In words: in effect, or why not")
    restrictions: builtins.list[Restriction]
    history: builtins.list[ReportStatement]
    subject_statements: builtins.list[SubjectStatementText]
    disputes: builtins.list[DisputeCase]
    data_quality: JsonObject | None = Field(description="The furnisher's hold (G-49)")


class ReportRating(Strict):
    rating: str
    band: str
    total: float | None
    as_of: date
    reason: str | None
    explanation: JsonValue = Field(description="The features the band was computed from")


class ReportListEntry(Strict):
    entry_id: str
    list: str
    name: Text | None
    legal_basis: LegalBasis | None
    status: str
    starts_on: date
    effective_on: date
    ends_on: date
    end_reason: str | None
    record_ids: builtins.list[str]
    exit: JsonValue = Field(description="How the entry may end early, where the list says")


class ReportInquiry(Strict):
    decision_id: str
    at: Moment
    relying_party_id: str
    purpose: str
    outcome: str
    as_of: date | None


class ReportReview(Strict):
    """An advisory decision about the subject and what a person decided (G-37)."""

    decision_id: str
    relying_party_id: str
    purpose: str
    measures: builtins.list[str]
    decided_at: Moment
    status: str
    reviewed_by_a_person: bool
    reviewed_at: Moment | None
    reasons: str | None


class Watcher(Strict):
    """A relying party that watches the subject through a subscription (G-24)."""

    subscription_id: int
    relying_party_id: str
    relying_party: Text | None
    purpose: str
    purpose_name: Text | None
    legal_basis: LegalBasis | None
    since: Moment
    status: str = Field(description="watching or stopped")
    stopped_at: Moment | None
    stopped_because: str | None


class ReportNotice(Strict):
    id: int
    kind: str
    title: str
    body: str
    created_at: Moment
    due_by: Moment | None
    sent_at: Moment | None


class SubjectReport(Strict):
    """Everything held about the subject, free (G-23)."""

    generated_at: Moment
    profile: str
    subject: SubjectSummary
    records: builtins.list[ReportRecord]
    ratings: builtins.list[ReportRating]
    list_entries: builtins.list[ReportListEntry]
    inquiries: builtins.list[ReportInquiry]
    human_reviews: builtins.list[ReportReview]
    subscriptions: builtins.list[Watcher]
    disputes: builtins.list[DisputeCase]
    repair_applications: builtins.list[RepairCase]
    notices: builtins.list[ReportNotice]
    rights: dict[str, str]
