"""Subjects' answers: an operator's view of a subject with its current records, and the
identity review queue."""

from __future__ import annotations

from datetime import date
from typing import Literal

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


class ReviewItem(Strict):
    """An open item of the identity review queue."""

    id: int
    queue: str
    reason_code: str
    detail: str
    subject_id: int | None
    dedupe_key: str | None
    payload: JsonObject | None
    status: str
    created_at: Moment
    resolved_at: Moment | None
    resolved_by: str | None
    resolution: str | None


class ReviewItemResolved(Strict):
    id: int
    status: Literal["resolved"]
