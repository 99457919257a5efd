"""The tamper-evident audit log (G-47): append, and verify the whole chain.

Each entry's hash is SHA-256 over its own fields and the previous entry's hash. Editing an
entry breaks its own hash; deleting one leaves a gap in ``seq`` or a dangling ``prev_hash``;
deleting the newest entries disagrees with the stored head. ``verify`` reports the first
broken link and, given the rows' read functions, also checks the record statements and
inquiries against the digests their entries hold (``credo.audit.integrity``), so an edit of
the data itself is caught too.

Others call ``append(conn, actor, action, subject_id, payload, at)`` in their own transaction,
or ``append_many`` for a batch (one lock, one read of the head, one executemany)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

import orjson
from sqlalchemy import Connection, RowMapping

from credo.audit import repository, rows
from credo.audit.integrity import AuditedData, DataCounts, DataProblem, DataVerifier
from credo.jsonvalue import utc

GENESIS = "0" * 64


class AuditEntry(NamedTuple):  # a tuple: cheap to build by the thousand on the write path
    actor: str
    action: str
    subject_id: int | None
    payload: Mapping[str, Any]
    at: datetime


@dataclass(frozen=True, slots=True)
class BrokenLink:
    seq: int
    # missing_entries | altered_entry | relinked_entry | truncated | head_missing, and over the
    # data (credo.audit.integrity): row_altered | row_missing | row_without_entry |
    # erasure_unlogged | erasure_mismatch
    problem: str
    detail: str


@dataclass(frozen=True, slots=True)
class Verification:
    checked: int
    head_seq: int | None
    broken: BrokenLink | None
    data: DataCounts | None = None  # the rows checked against the log (None: chain only)

    @property
    def ok(self) -> bool:
        return self.broken is None


def canonical_payload(payload: Mapping[str, Any]) -> str:
    """Sorted-key JSON; dates and other values become their ISO/str form."""
    return orjson.dumps(
        payload, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str
    ).decode()


def timestamp(at: datetime) -> str:
    return utc(at).astimezone(UTC).isoformat()


def link_hash(
    seq: int,
    at: str,
    actor: str,
    action: str,
    subject_id: int | None,
    payload: str,
    prev_hash: str,
) -> str:
    parts = (str(seq), at, actor, action, "" if subject_id is None else str(subject_id))
    body = "\x1f".join((*parts, payload, prev_hash))
    return hashlib.sha256(body.encode()).hexdigest()


def append(
    conn: Connection,
    actor: str,
    action: str,
    subject_id: int | None,
    payload: Mapping[str, Any],
    at: datetime,
) -> int:
    """Append one entry in the caller's transaction; returns its sequence number."""
    return append_many(conn, [AuditEntry(actor, action, subject_id, payload, at)])


def append_many(conn: Connection, entries: Sequence[AuditEntry]) -> int:
    """Append entries in order; returns the sequence number of the last (0 when none)."""
    if not entries:
        return 0
    repository.lock_chain(conn)
    current = repository.head(conn)
    seq, prev = current if current else (0, GENESIS)
    rows = []
    stamps: dict[datetime, str] = {}
    for entry in entries:
        seq += 1
        at = stamps.get(entry.at) or stamps.setdefault(entry.at, timestamp(entry.at))
        payload = canonical_payload(entry.payload)
        digest = link_hash(seq, at, entry.actor, entry.action, entry.subject_id, payload, prev)
        rows.append(
            {
                "seq": seq,
                "at": at,
                "actor": entry.actor,
                "action": entry.action,
                "subject_id": entry.subject_id,
                "payload": payload,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    repository.insert_entries(conn, rows)
    repository.set_head(conn, seq, prev, existed=current is not None)
    return seq


def record_statements(
    conn: Connection, furnisher_id: str, statements: Iterable[Mapping[str, Any]], at: datetime
) -> None:
    """Log accepted record statements (called by the records write path, one batch at once);
    the actor is each statement's own furnisher (a batch may hold several)."""
    append_many(
        conn,
        [
            AuditEntry(
                f"furnisher:{row.get('furnisher_id') or furnisher_id}",
                f"record.{row['action']}",
                row["subject_id"],
                {
                    "record_id": row["record_id"],
                    "chain_id": row["chain_id"],
                    "revision": row["revision"],
                    "record_type": row["record_type"],
                    "content_hash": row["content_hash"],
                    "row_hash": rows.statement_hash(row),  # checked against the table
                },
                at,
            )
            for row in statements
        ],
    )


def snapshot_delivery(
    conn: Connection, actor: str, status: str, delivery: Mapping[str, Any], at: datetime
) -> None:
    """Log a full-list delivery that was held, applied or rejected (``ingest.snapshot_*``)."""
    keys = ("id", "furnisher_id", "record_types", "delivered_on", "source_key", "present")
    counts = ("in_effect", "new", "confirmed", "delisted", "quarantined", "rows_read")
    append(
        conn,
        actor,
        f"ingest.snapshot_{status}",
        None,
        {k: delivery[k] for k in (*keys, *counts) if k in delivery},
        at,
    )


def record_inquiries(conn: Connection, inquiries: Iterable[Mapping[str, Any]]) -> None:
    """Log committed inquiries and their decisions (for the check service's group commit:
    one call per batch, in the same transaction as the inquiry rows)."""
    append_many(
        conn,
        [
            AuditEntry(
                f"relying_party:{row['relying_party_id']}",
                "decision",
                row["subject_id"],
                {
                    "decision_id": row["id"],
                    "principal_id": row["principal_id"],
                    "purpose": row["purpose"],
                    "subject_key": row["subject_key"],
                    "outcome": row["outcome"],
                    "measures": row["measures"],
                    "row_hash": rows.inquiry_hash(row),  # checked against the table
                },
                row["at"],
            )
            for row in inquiries
        ],
    )


def verify(conn: Connection, data: AuditedData | None = None) -> Verification:
    """Recompute the chain from the first entry and, given ``data`` (the owners' read
    functions of the rows), check every record statement and inquiry row against its entry
    (``credo.audit.integrity``); stop at the first problem."""
    checker = DataVerifier.start(conn, data) if data is not None else None
    expected_seq, prev, checked = 1, GENESIS, 0
    page: list[RowMapping] = []
    for row in repository.entries_in_order(conn):
        broken = _check_link(row, expected_seq, prev)
        if broken is not None:
            return Verification(checked, None, broken)
        checked += 1
        expected_seq, prev = row["seq"] + 1, row["hash"]
        page.append(row)
        if checker is not None and len(page) >= DATA_PAGE:
            problem = checker.feed(page)
            if problem is not None:
                return _data_broken(checked, checker, problem)
            page = []
    head = repository.head(conn)
    broken = _check_head(head, checked, prev)
    if checker is not None and broken is None:
        problem = checker.feed(page) or checker.finish()
        if problem is not None:
            return _data_broken(checked, checker, problem)
    counts = checker.counts if checker is not None else None
    return Verification(checked, head[0] if head else None, broken, counts)


DATA_PAGE = 5000


def _data_broken(checked: int, checker: DataVerifier, problem: DataProblem) -> Verification:
    return Verification(
        checked, None, BrokenLink(problem.seq, problem.problem, problem.detail), checker.counts
    )


def _check_link(row: RowMapping, expected_seq: int, prev: str) -> BrokenLink | None:
    seq = int(row["seq"])
    if seq != expected_seq:
        return BrokenLink(
            expected_seq,
            "missing_entries",
            f"entries {expected_seq}..{seq - 1} are missing (deleted)",
        )
    if row["prev_hash"] != prev:
        return BrokenLink(seq, "relinked_entry", f"entry {seq} does not follow entry {seq - 1}")
    recomputed = link_hash(
        seq,
        row["at"],
        row["actor"],
        row["action"],
        row["subject_id"],
        row["payload"],
        row["prev_hash"],
    )
    if recomputed != row["hash"]:
        return BrokenLink(seq, "altered_entry", f"entry {seq} was changed after it was written")
    return None


def _check_head(head: tuple[int, str] | None, checked: int, last_hash: str) -> BrokenLink | None:
    if head is None:
        if checked:
            return BrokenLink(checked, "head_missing", "the log has entries but no head")
        return None
    seq, digest = head
    if seq != checked or digest != last_hash:
        return BrokenLink(
            checked + 1,
            "truncated",
            f"the head names entry {seq} but the chain ends at entry {checked}"
            if seq != checked
            else f"the head's hash does not match entry {seq}",
        )
    return None


# -- what other domains read of the log (the tables and the repository stay private) -------


@dataclass(frozen=True, slots=True)
class LoggedEntry:
    """One entry as stored: ``at`` and ``payload`` are the exact text that was hashed."""

    seq: int
    at: str
    actor: str
    action: str
    subject_id: int | None
    payload: str
    prev_hash: str
    hash: str

    def payload_json(self) -> dict[str, Any]:
        return dict(orjson.loads(self.payload))


def _logged(row: RowMapping) -> LoggedEntry:
    return LoggedEntry(*(row[name] for name in repository.COLUMNS))


def head(conn: Connection) -> tuple[int, str]:
    """(seq, hash) of the newest entry; (0, the genesis hash) for an empty log."""
    return repository.head(conn) or (0, GENESIS)


def hash_at(conn: Connection, seq: int) -> str | None:
    """The hash of entry ``seq`` (the genesis hash for 0; None: no such entry)."""
    if seq == 0:
        return GENESIS
    row = repository.entry_at(conn, seq)
    return None if row is None else str(row["hash"])


def entries_after(conn: Connection, after: int, limit: int) -> list[LoggedEntry]:
    """Up to ``limit`` entries after entry ``after``, oldest first."""
    return [_logged(row) for row in repository.recent_entries(conn, after, limit)]


def entries_with_actions(conn: Connection, actions: Sequence[str]) -> list[LoggedEntry]:
    """Every entry of these (rare) actions, oldest first."""
    return [_logged(row) for row in repository.entries_with_actions(conn, actions)]
