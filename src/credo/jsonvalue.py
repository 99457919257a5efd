"""Free-form JSON in request bodies (a record's payload, evidence, information, proof, a
catalogue change), bounded so that it can always be stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Field, WithJsonSchema
from typing_extensions import TypeAliasType

# Any JSON value whose numbers are within I-JSON's range (RFC 7493: +-(2^53 - 1), the integers
# every JSON reader keeps exactly; well inside the 64 bits that orjson, the JSON columns'
# serialiser, can write). Beyond it is a 422 naming where, never a 500. The integer branch
# comes first, so that its error is the first one named; the number branch is bounded too, or
# a huge integer would pass as a float.
JSON_SAFE = 2**53 - 1
SafeInt = Annotated[int, Field(ge=-JSON_SAFE, le=JSON_SAFE)]
SafeFloat = Annotated[float, Field(ge=-JSON_SAFE, le=JSON_SAFE, allow_inf_nan=False)]
# The document shows two levels of it: OpenAPI client generators cannot follow a recursive
# union. Deeper values are accepted all the same, with the same bounds.
_NUMBER = {"minimum": -JSON_SAFE, "maximum": JSON_SAFE}
_SCALAR = {
    "anyOf": [
        {"type": "integer", **_NUMBER},
        {"type": "number", **_NUMBER},
        {"type": "boolean"},
        {"type": "string"},
        {"type": "null"},
    ]
}
_DOCUMENTED = {
    "description": f"Any JSON value, numbers within +-{JSON_SAFE}, nested to any depth",
    "anyOf": [
        *_SCALAR["anyOf"],
        {"type": "array", "items": _SCALAR},
        {"type": "object", "additionalProperties": _SCALAR},
    ],
}
if TYPE_CHECKING:  # mypy cannot follow the recursive alias; to the code it is a JSON object
    JsonObject = dict[str, Any]
else:
    _Bounded = Union[  # noqa: UP007
        SafeInt, SafeFloat, bool, str, list["BoundedJson"], dict[str, "BoundedJson"], None
    ]
    BoundedJson = TypeAliasType("BoundedJson", Annotated[_Bounded, WithJsonSchema(_DOCUMENTED)])
    JsonObject = dict[str, BoundedJson]


def document_path(document: Any, loc: Sequence[int | str], missing: bool) -> tuple[str, bool]:
    """A pydantic error location as a path through ``document`` (the input validated): the
    parts that are not keys or indexes of the document (a union's member names, such as
    ``constrained-int`` or ``list[nullable[union[...]]]``) are left out; a missing key is named
    all the same. Also whether a part was left out (the error came from inside a union)."""
    kept: list[str] = []
    skipped = False
    current = document
    for index, part in enumerate(loc):
        if _has(current, part):
            current = current[part]
        elif not (missing and index == len(loc) - 1):
            skipped = True
            continue
        kept.append(str(part))
    return ".".join(kept), skipped


def _has(document: Any, part: int | str) -> bool:
    if isinstance(document, dict):
        return part in document
    return isinstance(document, list) and isinstance(part, int) and 0 <= part < len(document)


def utc(moment: datetime) -> datetime:
    """A stored moment with its offset: the registry stores UTC, and SQLite gives it back
    without an offset (PostgreSQL with one)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def jsonable(value: Any) -> Any:
    """``value`` as JSON can carry it: every date and time as its ISO 8601 text (a moment
    always with its offset: ``utc``), mappings (a database row too) as dicts with text keys,
    sequences as lists; the rest as it is."""
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    return value
