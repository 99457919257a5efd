"""The request and response models of POST /v1/checks, and its OpenAPI operation.

The check is served by a raw ASGI endpoint (``credo.web.api.checks.CheckEndpoint``), not a
FastAPI route, so the framework cannot describe it: ``document`` adds the operation to the
OpenAPI document from these models. The endpoint parses requests with ``CheckIn``; the
decision it answers is built by ``credo.checks.decide.decision_body`` and is what
``CheckDecision`` describes (tests/checks/test_one_path.py validates served answers against
the served document)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.json_schema import models_json_schema

from credo.catalog.lists import CrossDomainBasis
from credo.web.problems import PROBLEM_CONTENT, PROBLEM_RESPONSES

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
PATH = "/v1/checks"


class CheckIdentifier(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scheme: str = Field(max_length=32, examples=["cn_ric"])
    value: str = Field(max_length=64, examples=["11010519491231002X"])


class CheckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    identifiers: list[CheckIdentifier] = Field(min_length=1, max_length=5)
    purpose: str = Field(max_length=64, examples=["air_ticket_sale"])
    transaction_ref: str = Field(
        min_length=1,
        max_length=120,
        pattern=r"^[^\x00]*$",  # no NUL: PostgreSQL cannot store it (credo.web.problems)
        description="The subject's transaction or account (G-34)",
    )
    as_of: date | None = Field(
        default=None,
        description="Check the subject as it stood on this past day (YYYY-MM-DD, from "
        "1990-01-01 to today) instead of now, e.g. whether a supplier was debarred on the day a "
        "contract was awarded. Only for purposes whose catalogue entry has `past_dates`; the "
        "decision's `as_of` is then this day and `checked_at` the moment it was made.",
        examples=["2026-02-15"],
    )

    @field_validator("transaction_ref")
    @classmethod
    def _names_a_transaction(cls, value: str) -> str:
        """G-34: no query without the subject's transaction; blanks name none."""
        if not value.strip():
            raise ValueError("transaction_ref is blank: name the subject's transaction or account")
        return value

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_day(cls, value: Any) -> Any:
        """A calendar day as YYYY-MM-DD, not a timestamp or a date-time."""
        day = type(value) is date or (isinstance(value, str) and ISO_DAY.fullmatch(value))
        if value is not None and not day:
            raise ValueError("as_of must be a date written YYYY-MM-DD")
        return value


# -- the decision (what credo.checks.decide.decision_body builds) -----------------------------


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckLegalBasis(Strict):
    instrument: str
    article: str
    text: str


class CheckPurpose(Strict):
    id: str
    legal_basis: CheckLegalBasis


class CheckRule(Strict):
    list: str
    list_version: int
    list_name: str
    entry_rule: dict[str, Any] = Field(description="The list's entry rule (catalogue)")
    legal_basis: CheckLegalBasis


class CheckListEntry(Strict):
    id: str
    effective_on: date
    ends_on: date
    ends_because: str | None


class CheckRecord(Strict):
    record_id: str
    record_type: str
    legal_basis: CheckLegalBasis
    issued_by: str
    decided_on: date
    in_effect_until: date
    repair_possible_from: date | None
    subject_statements: list[str] = Field(description="The subject's own statements (G-32)")
    data_quality: dict[str, Any] | None = Field(
        description="The furnisher's data-quality flag while it is held for review (G-49)"
    )


class CheckRating(Strict):
    rating: str
    band: str
    since: date


class CheckMeasure(Strict):
    measure: str
    version: int
    name: str
    kind: str
    domain: str
    effect: str
    legal_basis: CheckLegalBasis
    cross_domain_basis: CrossDomainBasis | None = None
    applies_until: date
    rule: CheckRule
    list_entry: CheckListEntry
    records: list[CheckRecord]
    rating: CheckRating | None


class CheckCatalogue(Strict):
    registry: str
    profile: str


class CheckReview(Strict):
    required: bool
    id: str
    status: str
    measures: list[str]
    decide_by: str
    how: str
    notice: str


class CheckDecision(Strict):
    """A decision with its provenance (G-35), rights and validity (G-39); advisory, with
    ``review``, while a significant measure waits for a person (G-37)."""

    id: str
    outcome: Literal["clear", "restricted", "benefit", "review"]
    subject: str = Field(description="The identifier asked about, masked")
    purpose: CheckPurpose
    relying_party: str
    measures: list[CheckMeasure]
    reasons: list[str]
    counterfactual: str | None = Field(description="What would change the outcome (G-36)")
    rights: dict[str, str]
    as_of: str = Field(description="When the decision was made, or the past day asked about")
    valid_until: str
    catalogue: CheckCatalogue
    checked_at: str | None = Field(default=None, description="With a past `as_of`: when made")
    status: Literal["advisory"] | None = None
    review: CheckReview | None = None


def document(app: FastAPI) -> None:
    """Add POST /v1/checks, as the endpoint serves it, to the app's OpenAPI document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_operation(generate())
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def add_operation(doc: dict[str, Any]) -> None:
    ref = "#/components/schemas/{model}"
    names, defs = models_json_schema(
        [(CheckIn, "validation"), (CheckDecision, "serialization")], ref_template=ref
    )
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in defs["$defs"].items():
        if schemas.setdefault(name, schema) != schema:
            raise RuntimeError(f"OpenAPI component {name!r} is defined twice, differently")
    request = names[(CheckIn, "validation")]
    decision = names[(CheckDecision, "serialization")]
    errors = {str(status): response for status, response in PROBLEM_RESPONSES.items()}
    doc.setdefault("paths", {})[PATH] = {"post": _operation(request, decision, errors)}


def _operation(
    request: dict[str, Any], decision: dict[str, Any], errors: dict[str, Any]
) -> dict[str, Any]:
    problem = {"content": PROBLEM_CONTENT}
    return {
        "tags": ["checks (relying parties)"],
        "summary": "Check a subject",
        "operationId": "create_check",
        "description": "Check a subject for a purpose you are registered for, now or "
        "(``as_of``, where the purpose allows it) on a past day. The inquiry and its audit "
        "entry are committed before this returns (G-24); the subject can see it.",
        "security": [{"HTTPBearer": []}],
        "requestBody": {"required": True, "content": {"application/json": {"schema": request}}},
        "responses": {
            **errors,
            "200": {
                "description": "The decision, with measures, provenance, rights and validity",
                "content": {"application/json": {"schema": decision}},
            },
            "403": {
                "description": "Not a relying party, not registered for the purpose, or "
                "`as_of` for a purpose that does not allow past dates",
                **problem,
            },
            "422": {
                "description": "Invalid input, e.g. an `as_of` in the future or before 1990",
                **problem,
            },
            "500": {"description": "The check failed; no decision is given", **problem},
            "503": {
                "description": "The inquiry could not be recorded: no decision is given",
                **problem,
            },
        },
    }
