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
- what subjects said and sent about the chain goes with it: disputes and "not me" claims keep
  their ids, kind, status and dates but lose their grounds (``ERASED_TEXT``), evidence and
  reasons; subject statements are deleted; repair applications for the record lose their
  proof (counted in the batch's ``retention.erase`` entry);
- subjects left with nothing (every chain erased, no retained inquiry; or never a record,
  registered longer ago than inquiries are kept) lose their identifiers, name and birth
  date; the subject row stays as the id the tombstones name.

Inquiries are deleted once older than the profile's ``inquiry_retention_days`` (G-24 keeps
them that long for the subject to see). Quarantined input rows, which hold the raw row a
furnisher sent (personal data that was never accepted), are deleted once older than the
profile's ``quarantine_retention_days`` (90 days in every built-in profile: the furnisher's
time to correct and resend; the run's counts in ``ingest_runs`` stay).

Work is done in batches of ``limit`` until none is left; each batch is one audit entry
(``retention.erase``, ``retention.forget_subjects``, ``retention.inquiries``,
``retention.quarantine``), never one per chain or row.

Records sits below the domains that hold the rest (disputes and repairs, inquiries, refused
input rows): the jobs runner passes their parts in (``Peers``), and ``credo jobs run`` purges
the quarantine (``credo.ingest.service.purge_quarantine``) with ``purge_batch``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from credo.audit import rows as audit_rows
from credo.audit import service as audit
from credo.catalog.models import Profile
from credo.records import effect
from credo.records import repository as repo
from credo.subjects import service as subjects

ACTOR = "scheduler"
REASON = effect.RETENTION_ENDED
ERASED_TEXT = "(erased at the end of the record's retention)"
PAGE = 1000  # subjects looked at per query when looking for those with nothing left


@dataclass
class RetentionReport:
    chains_erased: int = 0
    statements_erased: int = 0
    subjects_forgotten: int = 0
    identifiers_removed: int = 0
    inquiries_purged: int = 0
    disputes_erased: int = 0  # disputes and claims about erased records: grounds gone
    subject_statements_erased: int = 0
    repairs_erased: int = 0  # repair applications for erased records: proof gone
    quarantine_purged: int = 0
    audit_entries: int = 0  # one per batch


@dataclass(frozen=True)
class Peers:
    """What retention needs of the domains above records (the jobs runner passes it in)."""

    # Erase what subjects said and sent about the chains (``ERASED_TEXT`` for dispute grounds,
    # a tombstone marker for repair proof): (disputes, repair applications) erased.
    erase_about_chains: Callable[[Connection, Sequence[str], str, dict[str, Any]], tuple[int, int]]
    # Of these subjects, those with an inquiry still kept: they are not forgotten yet.
    subjects_asked: Callable[[Connection, Sequence[int]], set[int]]
    # Delete up to ``limit`` inquiries made before ``before`` (``purge_batch``): how many.
    purge_inquiries: Callable[[Connection, datetime, datetime, int], int]


def run_batch(
    conn: Connection,
    profile: Profile,
    today: date,
    now: datetime,
    limit: int,
    report: RetentionReport,
    peers: Peers,
) -> bool:
    """One batch of each kind of retention work, with ``profile``'s periods, in ``conn``'s
    transaction; True while any kind may have more left (a full batch)."""
    cutoff = inquiry_cutoff(today, profile.inquiry_retention_days)
    purged = peers.purge_inquiries(conn, cutoff, now, limit)
    chains = erase_chains(conn, today, now, limit, report, peers)
    forgotten, identifiers = forget_subjects(conn, cutoff, now, limit, peers)
    report.inquiries_purged += purged
    report.subjects_forgotten += forgotten
    report.identifiers_removed += identifiers
    report.audit_entries += sum(1 for n in (purged, chains, forgotten) if n)
    return max(purged, chains, forgotten) >= limit


def inquiry_cutoff(today: date, days: int) -> datetime:
    """Rows kept for ``days`` (inquiries, quarantined rows) made before this moment are past
    retention on ``today``."""
    return datetime.combine(today - timedelta(days=days), time(), UTC)


def purge_batch(
    conn: Connection,
    action: str,
    ids: Sequence[Any],
    delete: Callable[[Connection, Sequence[Any]], None],
    before: datetime,
    now: datetime,
) -> int:
    """Delete the rows ``ids`` (made before ``before``) with one ``action`` audit entry that
    names the cut-off, which ``audit.verify`` accepts as the reason they are gone; how many."""
    if not ids:
        return 0
    delete(conn, ids)
    payload = {"before": audit.timestamp(before), "purged": len(ids)}
    audit.append(conn, ACTOR, action, None, payload, now)
    return len(ids)


def erase_chains(
    conn: Connection,
    today: date,
    now: datetime,
    limit: int,
    report: RetentionReport,
    peers: Peers,
) -> int:
    """Erase up to ``limit`` chains past retention, with what subjects said about them; the
    chains erased (``report`` counts the rest)."""
    chains = repo.chains_past_retention(conn, today, limit)
    if not chains:
        return 0
    chain_ids = [c["chain_id"] for c in chains]
    statements = [
        s
        for s in repo.statements_of_chains(conn, chain_ids)
        if audit_rows.tombstone_of(s["payload"]) is None
    ]
    record_ids = [s["record_id"] for s in statements]
    proof = {audit_rows.TOMBSTONE_KEY: REASON}
    disputes, repairs = peers.erase_about_chains(conn, chain_ids, ERASED_TEXT, proof)
    remarks = repo.delete_subject_statements(conn, chain_ids)
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
            "disputes": disputes,
            "subject_statements": remarks,
            "repair_applications": repairs,
        },
        now,
    )
    repo.erase_statements(conn, [_tombstone(s, seq) for s in statements])
    marker = {audit_rows.TOMBSTONE_KEY: REASON, "batch": seq}
    repo.erase_current(conn, [{"chain_id": c["chain_id"], "payload": marker} for c in chains])
    closed = [{**c, "on": today, "at": now} for c in chains]
    repo.close_chains_for_good(conn, closed, f"retention:{seq}")
    report.chains_erased += len(chains)
    report.statements_erased += len(statements)
    report.disputes_erased += disputes
    report.subject_statements_erased += remarks
    report.repairs_erased += repairs
    return len(chains)


def _tombstone(statement: Any, seq: int) -> dict[str, Any]:
    return {
        "record_id": statement["record_id"],
        "payload": audit_rows.tombstone(REASON, seq, statement),
    }


def forget_subjects(
    conn: Connection, registered_before: datetime, now: datetime, limit: int, peers: Peers
) -> tuple[int, int]:
    """Remove the identifiers of up to ``limit`` subjects with nothing left (a subject that
    never had a record counts once registered before ``registered_before``);
    (subjects, identifiers) removed."""
    subject_ids = with_nothing_left(conn, registered_before, limit, peers)
    if not subject_ids:
        return 0, 0
    identifiers = subjects.forget_subjects(conn, subject_ids)
    audit.append(
        conn,
        ACTOR,
        "retention.forget_subjects",
        None,
        {"subjects": len(subject_ids), "identifiers": identifiers, "subject_ids": subject_ids},
        now,
    )
    return len(subject_ids), identifiers


def with_nothing_left(
    conn: Connection, registered_before: datetime, limit: int, peers: Peers
) -> list[int]:
    """Up to ``limit`` subjects, lowest ids first, that still have identifiers, no record
    chain that is not erased and no inquiry kept: those that had records (all erased now),
    and those that never had one and were registered before ``registered_before`` (nothing
    was held about them for as long as inquiries are kept)."""
    found: list[int] = []
    after = 0
    while len(found) < limit:
        page = subjects.identified_subjects(conn, after, PAGE, registered_before)
        if not page:
            break
        ids = [subject_id for subject_id, _ in page]
        anything, live = repo.subjects_holding(conn, ids)
        asked = peers.subjects_asked(conn, ids)
        found += [
            subject_id
            for subject_id, old in page
            if subject_id not in live
            and subject_id not in asked
            and (subject_id in anything or old)
        ]
        if len(page) < PAGE:
            break
        after = ids[-1]
    return found[:limit]
