"""Records' answers: a chain's statements and current view (as stored), and full-list
deliveries as listed."""

from __future__ import annotations

import builtins
from datetime import date

from pydantic import Field

from credo.web.api.schemas.common import JsonObject, JsonValue, Moment, Strict


class RecordFields(Strict):
    """What a statement and the current view of its chain both hold."""

    record_id: str
    chain_id: str
    revision: int
    furnisher_id: str
    source_ref: str
    record_type: str
    subject_id: int
    occurred_on: date
    effective_from: date
    effect_until: date = Field(description="The first day without effect")
    expires_on: date = Field(description="Retention ends: the record is erased")
    finality: str
    term_ends_on: date | None
    term_until: str | None
    review_on: date | None
    ceiling_until: date | None
    end_reason: str | None
    payload: JsonObject


class StoredStatement(RecordFields):
    """One statement of a chain, as received (append-only)."""

    action: str
    evidence: JsonObject | None
    provenance: JsonObject | None
    content_hash: str
    received_at: Moment


class CurrentRecord(RecordFields):
    """The chain's latest revision, folded (``record_current``)."""

    state: str
    performed_on: date | None
    confirmed_on: date | None
    ended_on: date | None
    first_received_at: Moment
    updated_at: Moment


class RecordHistory(Strict):
    statements: list[StoredStatement] = Field(description="Oldest first")
    current: CurrentRecord | None


class SnapshotDelivery(Strict):
    """A full-list delivery as listed (its held rows left out)."""

    id: int
    furnisher_id: str
    record_types: builtins.list[str]
    delivered_on: date
    source_name: str
    source_key: str
    run_id: int | None
    status: str = Field(description="held, applied or rejected")
    max_delist_share: float
    rows_read: int
    present: int
    in_effect: int
    new: int
    confirmed: int
    delisted: int
    quarantined: int
    provenance: dict[str, JsonValue] | None
    created_by: str
    created_at: Moment
    decided_by: str | None
    decided_at: Moment | None
