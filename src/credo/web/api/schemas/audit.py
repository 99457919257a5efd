"""The audit log's answers: verification, the signed checkpoint, entries, and the
second-approver workflow for catalogue changes (G-47, G-48)."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field

from credo.web.api.schemas.common import JsonObject, JsonValue, Moment, Strict


class BrokenLink(Strict):
    seq: int
    problem: str
    detail: str


class Verification(Strict):
    ok: bool
    checked: int
    head_seq: int | None
    first_broken: BrokenLink | None


class Checkpoint(Strict):
    """A signed checkpoint of the log's head (Ed25519)."""

    format: str
    seq: int
    hash: str
    signed_at: str = Field(description="The audit log's timestamp of the signing")
    public_key: str = Field(description="base64, raw")
    key_id: str
    signature: str = Field(description="base64")


class AuditEntry(Strict):
    seq: int
    at: str = Field(description="As hashed into the chain")
    actor: str
    action: str
    subject_id: int | None
    payload: str = Field(description="The entry's JSON, as hashed")
    prev_hash: str
    hash: str


class ChangeProposed(Strict):
    id: int
    status: Literal["proposed"]


class CatalogueChange(Strict):
    id: int
    title: str
    change: JsonObject
    impact_assessment_ref: str
    status: str = Field(description="proposed, approved or rejected")
    proposed_by: str
    proposed_at: Moment
    decided_by: str | None
    decided_at: Moment | None
    reasons: str | None


class Open(Strict):
    """A part of the stored simulation: the fields the gate reads, and whatever else the
    document holds (it is stored as it was sent)."""

    model_config = ConfigDict(extra="allow")


class HashedCatalogue(Open):
    hash: str


class SimulatedCatalogues(Open):
    live: HashedCatalogue
    proposed: HashedCatalogue


class RegistryState(Open):
    audit_seq: int
    audit_hash: str
    feed_seq: int


class SimulationDocument(Open):
    """The JSON of `credo simulate` a change was proposed with (docs/governance.md)."""

    format: str
    as_of: str
    engine: JsonValue
    generated_at: str
    catalogue: SimulatedCatalogues
    registry: RegistryState
    summary: JsonObject
