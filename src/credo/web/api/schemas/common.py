"""What every schema module shares: the strict base, moments written as the domains write
them, and free-form JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, JsonValue, PlainSerializer, WithJsonSchema

__all__ = ["JsonObject", "JsonValue", "Moment", "Strict"]


class Strict(BaseModel):
    """A response schema: an answer with a key it does not declare is a server error, so a
    schema can never silently drop what a route says (FastAPI validates every answer)."""

    model_config = ConfigDict(extra="forbid")


def _iso(value: datetime) -> str:
    return value.isoformat()


# A moment as the domains write it (``datetime.isoformat()``: "+00:00", not pydantic's "Z";
# naive where SQLite stored it so), documented as an RFC 3339 date-time.
Moment = Annotated[
    datetime,
    PlainSerializer(_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]

# Free-form JSON that a caller stored (a payload, evidence, proof): any JSON object.
JsonObject = dict[str, JsonValue]
