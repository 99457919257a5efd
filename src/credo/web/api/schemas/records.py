"""Records' answers: a chain's statements and current view (as stored), and full-list
deliveries as listed."""

from __future__ import annotations

import builtins
from datetime import date
from typing import Annotated

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

from credo.records import queries
from credo.web.api.schemas.common import JsonObject, JsonValue, Moment, Strict

# A statement and the current view are the domain's own (credo.records.queries), answered as
# they are: pydantic dataclasses over them restate only what the answer writes differently
# (moments as the domains write them, payloads as JSON) and forbid keys they do not declare.
_STRICT = ConfigDict(extra="forbid")
EffectUntil = Annotated[date, Field(description="The first day without effect")]
ExpiresOn = Annotated[date, Field(description="Retention ends: the record is erased")]


@dataclass(frozen=True, config=_STRICT)
class StoredStatement(queries.StoredStatement):
    """One statement of a chain, as received (append-only)."""

    effect_until: EffectUntil
    expires_on: ExpiresOn
    payload: JsonObject
    evidence: JsonObject | None
    provenance: JsonObject | None
    received_at: Moment


@dataclass(frozen=True, config=_STRICT)
class CurrentRecord(queries.CurrentRecord):
    """The chain's latest revision, folded (``record_current``)."""

    effect_until: EffectUntil
    expires_on: ExpiresOn
    payload: JsonObject
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
