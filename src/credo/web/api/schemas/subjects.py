"""Subjects' answers: an operator's view of a subject with its current records, and the
identity review queue."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import ConfigDict

from credo.subjects import service
from credo.web.api.schemas.common import JsonObject, Moment, Strict
from credo.web.api.schemas.records import CurrentRecord


class SubjectIdentifier(Strict):
    scheme: str
    value: str
    check_ok: bool


class SubjectSummary(Strict):
    id: int
    kind: str
    name: str | None
    birth_date: date | None
    identifiers: list[SubjectIdentifier]


class SubjectWithRecords(SubjectSummary):
    records: list[CurrentRecord]


class ReviewItem(service.ReviewItem):
    """An open item of the identity review queue."""

    # the domain's ReviewItem, its moments and payload as answered
    model_config = ConfigDict(extra="forbid")

    payload: JsonObject | None
    created_at: Moment
    resolved_at: Moment | None


class ReviewItemResolved(Strict):
    id: int
    status: Literal["resolved"]
