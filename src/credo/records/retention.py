"""Retention that deletes (G-41, issue 11): the scheduled half of "no record outlives its
retention". The query-time half is the ``expires_on`` clause of ``credo.records.effect``; this
module makes the data itself go.

At each chain's retention end (``record_current.expires_on``, the one rule's column):

- every statement of the chain keeps a tombstone: ids, type, dates, content hash and the
  kept columns stay; the payload becomes ``{"erased": "retention_ended", "batch": SEQ,
  "erasable": DIGEST}`` and evidence and provenance go (``credo.audit.rows`` explains the
  digest: the log still vouches for the tombstone);
- the chain gets a ``deleted`` suppression, so re-ingestion cannot bring it back (G-31: the
  write path refuses deleted chains; resending the very statement stays a duplicate);
- subjects left with nothing (every chain erased, no retained inquiry; or never a record,
  registered longer ago than inquiries are kept) lose their identifiers, name and birth
  date; the subject row stays as the id the tombstones name.

Inquiries are deleted once older than the profile's ``inquiry_retention_days`` (G-24 keeps
them that long for the subject to see).

Work is done in batches of ``limit`` until none is left; each batch is one audit entry
(``retention.erase``, ``retention.forget_subjects``, ``retention.inquiries``), never one per
chain."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from credo.audit import rows as audit_rows
from credo.audit import service as audit
from credo.records import effect
from credo.records import repository as repo

ACTOR = "scheduler"
REASON = effect.RETENTION_ENDED


@dataclass
class RetentionReport:
    chains_erased: int = 0
    statements_erased: int = 0
    subjects_forgotten: int = 0
    identifiers_removed: int = 0
    inquiries_purged: int = 0
    audit_entries: int = 0  # one per batch


def run_batch(
    conn: Connection,
    inquiry_retention_days: int,
    today: date,
    now: datetime,
    limit: int,
    report: RetentionReport,
) -> bool:
    """One batch of each kind of retention work, in ``conn``'s transaction; True while any
    kind may have more left (a full batch)."""
    cutoff = inquiry_cutoff(today, inquiry_retention_days)
    purged = purge_inquiries(conn, cutoff, now, limit)
    chains, statements = erase_chains(conn, today, now, limit)
    forgotten, identifiers = forget_subjects(conn, cutoff, now, limit)
    report.inquiries_purged += purged
    report.chains_erased += chains
    report.statements_erased += statements
    report.subjects_forgotten += forgotten
    report.identifiers_removed += identifiers
    report.audit_entries += sum(1 for n in (purged, chains, forgotten) if n)
    return max(purged, chains, forgotten) >= limit


def inquiry_cutoff(today: date, days: int) -> datetime:
    """Inquiries made before this moment are past retention on ``today``."""
    return datetime.combine(today - timedelta(days=days), time(), UTC)


def erase_chains(conn: Connection, today: date, now: datetime, limit: int) -> tuple[int, int]:
    """Erase up to ``limit`` chains past retention; (chains, statements) erased."""
    chains = repo.chains_past_retention(conn, today, limit)
    if not chains:
        return 0, 0
    statements = [
        s
        for s in repo.statements_of_chains(conn, [c["chain_id"] for c in chains])
        if audit_rows.tombstone_of(s["payload"]) is None
    ]
    record_ids = [s["record_id"] for s in statements]
    seq = audit.append(
        conn,
        ACTOR,
        "retention.erase",
        None,
        {
            "as_of": today.isoformat(),
            "reason": REASON,
            "chains": len(chains),
            "statements": len(statements),
            "statements_digest": audit_rows.set_digest(record_ids),
        },
        now,
    )
    repo.erase_statements(conn, [_tombstone(s, seq) for s in statements])
    marker = {audit_rows.TOMBSTONE_KEY: REASON, "batch": seq}
    repo.erase_current(conn, [{"chain_id": c["chain_id"], "payload": marker} for c in chains])
    closed = [{**c, "on": today, "at": now} for c in chains]
    repo.close_chains_for_good(conn, closed, f"retention:{seq}")
    return len(chains), len(statements)


def _tombstone(statement: Any, seq: int) -> dict[str, Any]:
    return {
        "record_id": statement["record_id"],
        "payload": audit_rows.tombstone(REASON, seq, statement),
    }


def forget_subjects(
    conn: Connection, registered_before: datetime, now: datetime, limit: int
) -> tuple[int, int]:
    """Remove the identifiers of up to ``limit`` subjects with nothing left (a subject that
    never had a record counts once registered before ``registered_before``);
    (subjects, identifiers) removed."""
    subject_ids = repo.subjects_with_nothing_left(conn, registered_before, limit)
    if not subject_ids:
        return 0, 0
    identifiers = repo.forget_subjects(conn, subject_ids)
    audit.append(
        conn,
        ACTOR,
        "retention.forget_subjects",
        None,
        {"subjects": len(subject_ids), "identifiers": identifiers, "subject_ids": subject_ids},
        now,
    )
    return len(subject_ids), identifiers


def purge_inquiries(conn: Connection, before: datetime, now: datetime, limit: int) -> int:
    """Delete up to ``limit`` inquiries made before ``before``; the entry names the cut-off,
    which ``audit.verify`` accepts as the reason their rows are gone."""
    ids = repo.inquiries_before(conn, before, limit)
    if not ids:
        return 0
    repo.delete_inquiries(conn, ids)
    audit.append(
        conn,
        ACTOR,
        "retention.inquiries",
        None,
        {"before": audit.timestamp(before), "purged": len(ids)},
        now,
    )
    return len(ids)
