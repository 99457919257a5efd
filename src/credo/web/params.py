"""Integer parameters bounded in the schema: an id or cursor outside the column it is
compared with is a 422 problem, never an overflow in the driver (a 500). Ids and sequence
numbers live in ``Integer`` columns (32-bit on PostgreSQL, which refuses a larger parameter
as out of range); the audit log's sequence is a ``BigInteger``. Every integer path and
query parameter of the API uses these; the portal parses its ids with `parse_id` and
answers 404 for anything that cannot be an id."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path, Query

MAX_ID = 2**31 - 1  # the largest INTEGER on PostgreSQL (SQLite's is 2^63 - 1)
MAX_BIG = 2**63 - 1  # the largest BIGINT

Id = Annotated[int, Path(ge=1, le=MAX_ID, description="A positive id")]
Cursor = Annotated[
    int, Query(ge=0, le=MAX_ID, description="Return what comes after this sequence number")
]
BigCursor = Annotated[
    int, Query(ge=0, le=MAX_BIG, description="Return what comes after this sequence number")
]

_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(text: str) -> int | None:
    """``text`` as an id (decimal digits, 1 to `MAX_ID`), or None when it cannot be one."""
    if not _DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None
