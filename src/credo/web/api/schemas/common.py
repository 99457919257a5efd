"""What every schema module shares: the strict base, moments written as the domains write
them, and free-form JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, JsonValue, PlainSerializer, WithJsonSchema

from credo.jsonvalue import utc

__all__ = ["JsonObject", "JsonValue", "Moment", "Strict"]


class Strict(BaseModel):
    """A response schema: an answer with a key it does not declare is a server error, so a
    schema can never silently drop what a route says (FastAPI validates every answer)."""

    model_config = ConfigDict(extra="forbid")


def _iso(value: datetime) -> str:
    return utc(value).isoformat()


# A moment as the domains write it (``datetime.isoformat()``: "+00:00", not pydantic's "Z"),
# always with its offset: the naive moments SQLite gives back are UTC and served as such
# (``credo.jsonvalue.utc``), so both databases answer alike.
Moment = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$",
            "description": "ISO 8601 date and time with its offset from UTC",
            "examples": ["2026-03-01T12:00:00+00:00"],
        }
    ),
]

# Free-form JSON that a caller stored (a payload, evidence, proof): any JSON object.
JsonObject = dict[str, JsonValue]
