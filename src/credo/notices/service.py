"""The notice outbox: services enqueue notices in their own transaction (so a notice exists
exactly when the action it reports was committed), and ``dispatch`` delivers them later
through a channel, recording each success or failure.

Other packages call ``enqueue`` (lists for the prior notice before a list entry takes effect,
G-22; checks for adverse decisions, G-38)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from credo.notices import repository
from credo.notices.channels import Channel, DeliveryFailed, Outgoing

RECIPIENT_KINDS = frozenset({"subject", "furnisher", "relying_party", "operator"})


@dataclass(frozen=True)
class Notice:
    recipient_kind: str
    recipient_id: str
    kind: str
    title: str
    body: str
    subject_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    due_by: datetime | None = None
    dedupe_key: str | None = None


@dataclass
class DispatchReport:
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def add_business_days(start: datetime, days: int) -> datetime:
    """``days`` working days after ``start`` (Saturdays and Sundays skipped)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def enqueue(conn: Connection, notices: list[Notice], now: datetime) -> None:
    for notice in notices:
        if notice.recipient_kind not in RECIPIENT_KINDS:
            raise ValueError(f"unknown recipient kind {notice.recipient_kind!r}")
    repository.insert_notices(
        conn,
        [
            {
                "recipient_kind": n.recipient_kind,
                "recipient_id": n.recipient_id,
                "subject_id": n.subject_id,
                "kind": n.kind,
                "title": n.title[:300],
                "body": n.body,
                "payload": n.payload,
                "dedupe_key": n.dedupe_key,
                "created_at": now,
                "due_by": n.due_by,
                "attempts": 0,
            }
            for n in notices
        ],
    )


def dispatch(conn: Connection, channel: Channel, now: datetime, limit: int = 500) -> DispatchReport:
    """Deliver unsent notices, oldest first. A failure is recorded and retried next run."""
    report = DispatchReport()
    pending = repository.unsent(conn, limit)
    keys = {(row["recipient_kind"], row["recipient_id"]) for row in pending}
    addresses = repository.contacts(conn, keys)
    for row in pending:
        message = Outgoing(
            row["id"],
            row["recipient_kind"],
            row["recipient_id"],
            row["kind"],
            row["title"],
            row["body"],
            addresses.get((row["recipient_kind"], row["recipient_id"])),
        )
        try:
            channel.deliver(message)
        except DeliveryFailed as exc:
            repository.mark_failed(conn, row["id"], channel.name, str(exc))
            report.failed += 1
            report.errors.append(f"notice {row['id']}: {exc}")
            continue
        repository.mark_sent(conn, row["id"], channel.name, now)
        report.sent += 1
    return report


@dataclass(frozen=True)
class SubjectNotice:
    """A notice addressed to a subject, as its own report lists it (G-23)."""

    id: int
    kind: str
    title: str
    body: str
    created_at: datetime
    due_by: datetime | None
    sent_at: datetime | None


def notices_to_subject(conn: Connection, subject_id: int) -> list[SubjectNotice]:
    """Every notice about the subject that was addressed to the subject, oldest first."""
    names = [f.name for f in fields(SubjectNotice)]
    rows = repository.of_subject(conn, subject_id)
    return [SubjectNotice(**{name: row[name] for name in names}) for row in rows]


def queued_keys(conn: Connection, keys: Sequence[str]) -> set[str]:
    """Those of ``keys`` that a queued notice already carries (``Notice.dedupe_key``): what a
    job that owes notices skips."""
    return repository.queued_keys(conn, keys) if keys else set()
