"""What a furnisher submits (``RecordInput``, the API's schema) and what validation makes of
it (``Statement``); outcomes of a write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from credo.catalog.vocab import Finality, SubjectKind
from credo.jsonvalue import JsonObject
from credo.subjects.identifiers import CheckedIdentifier

Action = Literal["assert", "correct", "revoke", "perform", "confirm", "delist"]


class IdentifierIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scheme: str = Field(examples=["cn_uscc"])
    value: str = Field(examples=["91110000600037341L"])


class SubjectRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: SubjectKind
    identifiers: list[IdentifierIn] = Field(min_length=1, max_length=5)
    name: str | None = Field(default=None, max_length=200)


class EvidenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(examples=["administrative_penalty_decision"])
    document_id: str = Field(min_length=1, max_length=120)
    issuer: str = Field(min_length=1, max_length=200)
    issued_on: date
    final: bool = True


class ProvenanceIn(BaseModel):
    """How the furnisher obtained the statement: one of ``credo.catalog.vocab.ProvenanceKind``;
    camera, biometric, sensing and tracking kinds are refused by name (G-04)."""

    model_config = ConfigDict(extra="forbid")
    kind: str = Field(examples=["official_decision"])
    channel: str | None = Field(default=None, max_length=80)


class TermIn(BaseModel):
    """The term the decision set (credo.records.effect): ``ends_on``, the first day without
    effect, or open-ended ``until`` an event, with an optional ``review_on``. The record
    type's maximum effect bounds it; beyond that only a confirmation keeps it in effect."""

    model_config = ConfigDict(extra="forbid")
    ends_on: date | None = None
    until: Literal["performance", "conditional_release", "revocation"] | None = None
    review_on: date | None = None


class RecordInput(BaseModel):
    """One statement from a furnisher. ``source_ref`` + ``revision`` identify it: sending it
    again is a harmless duplicate."""

    model_config = ConfigDict(extra="forbid")
    record_type: str
    source_ref: str = Field(min_length=1, max_length=200)
    revision: int = Field(default=0, ge=0, le=2**31 - 1)  # an INTEGER column
    action: Action = "assert"
    subject: SubjectRef
    occurred_on: date
    effective_from: date | None = None
    finality: Finality = Finality.FINAL
    term: TermIn | None = None
    payload: JsonObject = Field(default_factory=dict)
    evidence: EvidenceIn | None = None
    # Required, with no default: every record carries its provenance, as its furnisher says it
    # (G-04); a default would state one for it.
    provenance: ProvenanceIn


@dataclass(slots=True)
class Statement:
    """A validated statement, ready to be resolved to a subject and appended."""

    record_type: str
    source_ref: str
    revision: int
    action: str
    subject_kind: SubjectKind
    identifiers: tuple[CheckedIdentifier, ...]
    subject_name: str | None
    occurred_on: date
    effective_from: date
    finality: str
    payload: dict[str, Any]
    evidence: dict[str, Any] | None
    provenance: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)
    term_ends_on: date | None = None
    term_until: str | None = None
    review_on: date | None = None

    @property
    def has_term(self) -> bool:
        return self.term_ends_on is not None or self.term_until is not None


@dataclass(frozen=True, slots=True)
class Rejection:
    """Why a row cannot be accepted: a stable machine-readable code and a clear detail."""

    code: str
    detail: str


@dataclass(slots=True)
class RowOutcome:
    row: int
    outcome: Literal["accepted", "duplicate", "quarantined"]
    record_id: str | None = None
    subject_id: int | None = None
    reason: Rejection | None = None
    warnings: list[str] = field(default_factory=list)
