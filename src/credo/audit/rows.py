"""Digests of the data rows the audit log vouches for: record statements and inquiries (each
inquiry row is also the decision returned to the relying party).

The log entry of each row carries ``row_hash``, a digest of the row exactly as stored, so
``audit.verify`` can compare the table with the log and an ``UPDATE`` behind the application's
back is caught (the content hash alone cannot be recomputed from a stored statement: it also
covers the identifiers as furnished).

A statement's digest is built from two halves, so that retention can erase the personal half
and the log still vouches for what stays: ``row_hash = H(kept || erasable)``. The tombstone
keeps ``erasable`` (a digest, never the data) in its marker, and the verifier recombines it
with the kept columns it reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

import orjson
from sqlalchemy import RowMapping

Row = Mapping[str, Any] | RowMapping  # a dict on the write path, a RowMapping when read back

# The columns retention keeps: ids, type, dates, content hash and the effect's end reason.
STATEMENT_KEPT = (
    "record_id",
    "chain_id",
    "revision",
    "action",
    "furnisher_id",
    "source_ref",
    "record_type",
    "subject_id",
    "occurred_on",
    "effective_from",
    "effect_until",
    "expires_on",
    "finality",
    "term_ends_on",
    "term_until",
    "review_on",
    "ceiling_until",
    "end_reason",
    "content_hash",
    "received_at",
)
# The columns retention erases: what the furnisher said about the subject.
STATEMENT_ERASABLE = ("payload", "evidence", "provenance")

INQUIRY_COLUMNS = (
    "id",
    "at",
    "relying_party_id",
    "principal_id",
    "purpose",
    "transaction_ref",
    "subject_id",
    "subject_key",
    "outcome",
    "measures",
    "valid_until",
    "as_of",
)

# The key of a tombstone's payload: {"erased": reason, "batch": audit seq, "erasable": digest}.
TOMBSTONE_KEY = "erased"


def _plain(value: Any) -> Any:
    """One text form per value, whatever the driver returns: dates ISO, datetimes in UTC
    (SQLite returns them naive, PostgreSQL aware), JSON as sorted-key text."""
    if isinstance(value, datetime):
        moment = value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)
        return moment.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _json(value: Any) -> str:
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS, default=str).decode()
    except TypeError:  # integers beyond 64 bits: the standard library has no such limit
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _digest(values: list[Any]) -> str:
    return hashlib.blake2b(_json(values).encode(), digest_size=16).hexdigest()


def kept_digest(row: Row) -> str:
    # orjson writes a date as its ISO text, as _plain does: only datetimes need _plain (the
    # same text either way, at a fraction of the cost on the write path's every row).
    return _digest(
        [v if type(v) is not datetime else _plain(v) for v in map(row.get, STATEMENT_KEPT)]
    )


def erasable_digest(row: Row) -> str:
    return _digest([_json(row.get(c)) for c in STATEMENT_ERASABLE])


def combine(kept: str, erasable: str) -> str:
    return hashlib.blake2b(f"{kept}:{erasable}".encode(), digest_size=16).hexdigest()


def statement_hash(row: Row) -> str:
    """The digest of a record statement row as stored (before any erasure)."""
    return combine(kept_digest(row), erasable_digest(row))


def inquiry_hash(row: Row) -> str:
    """The digest of an inquiry (decision) row as stored."""
    values = [_plain(row.get(c)) for c in INQUIRY_COLUMNS]
    values[INQUIRY_COLUMNS.index("measures")] = _json(row.get("measures"))
    return _digest(values)


def tombstone(reason: str, batch_seq: int, original: Row) -> dict[str, Any]:
    """The payload left in place of an erased statement's: why, which logged batch erased it,
    and the digest of what was erased (so the log's ``row_hash`` still checks out)."""
    return {TOMBSTONE_KEY: reason, "batch": batch_seq, "erasable": erasable_digest(original)}


def tombstone_of(payload: Any) -> dict[str, Any] | None:
    """The tombstone marker if ``payload`` is one, else None."""
    if isinstance(payload, dict) and TOMBSTONE_KEY in payload and "batch" in payload:
        return payload
    return None


def tombstone_hash(row: Row) -> str | None:
    """The original ``row_hash`` of an erased statement, from its kept columns and marker;
    None when the row is no tombstone or its other erasable columns still hold data."""
    marker = tombstone_of(row.get("payload"))
    if marker is None or row.get("evidence") is not None or row.get("provenance") is not None:
        return None
    return combine(kept_digest(row), str(marker.get("erasable")))


def set_digest(ids: list[str]) -> str:
    """An order-independent digest of a set of ids (the sum of their SHA-256 values mod 2^256),
    so the verifier can accumulate it while it streams rows in any order."""
    return format(sum_ids(0, ids), "064x")


def sum_ids(total: int, ids: list[str]) -> int:
    for value in ids:
        total = (total + int.from_bytes(hashlib.sha256(value.encode()).digest())) % (1 << 256)
    return total
