"""All SQL of checks: inquiries, subscriptions and the webhook outbox."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, case, func, not_, or_, select

from credo.checks.tables import check_events, decision_reviews, inquiries, subscriptions
from credo.db.sql import KeyedTable, chunks, stream

# The mark of an event whose delivery was refused (where it would go, not when): the reason
# follows, and the event is never retried (``last_error`` holds it; no separate column).
REFUSED = "refused: "


def _not_refused() -> Any:
    return or_(
        check_events.c.last_error.is_(None), not_(check_events.c.last_error.startswith(REFUSED))
    )


def insert_inquiries(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(inquiries.insert(), list(rows))


def inquiry_ids(conn: Connection, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    for part in chunks(list(ids), 900):
        found.update(conn.execute(select(inquiries.c.id).where(inquiries.c.id.in_(part))).scalars())
    return found


def get_inquiry(conn: Connection, inquiry_id: str) -> RowMapping | None:
    return conn.execute(select(inquiries).where(inquiries.c.id == inquiry_id)).mappings().first()


def inquiries_of_subject(
    conn: Connection, subject_id: int, keys: Sequence[str], limit: int = 500
) -> list[RowMapping]:
    """Every inquiry about the subject, by id or by any identifier it was asked under."""
    query = (
        select(inquiries)
        .where(or_(inquiries.c.subject_id == subject_id, inquiries.c.subject_key.in_(list(keys))))
        .order_by(inquiries.c.at.desc())
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def add_subscription(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(subscriptions.insert().returning(subscriptions.c.id), [row])
    return int(result.scalar_one())


def find_subscription(
    conn: Connection, relying_party_id: str, purpose: str, subject_id: int
) -> RowMapping | None:
    query = select(subscriptions).where(
        subscriptions.c.relying_party_id == relying_party_id,
        subscriptions.c.purpose == purpose,
        subscriptions.c.subject_id == subject_id,
    )
    return conn.execute(query).mappings().first()


def reactivate_subscription(
    conn: Connection, subscription_id: int, url: str, secret: str, now: datetime
) -> None:
    """Renew: a new URL and secret; a stopped subscription watches again from ``now``."""
    since = case((subscriptions.c.cancelled_at.is_not(None), now), else_=subscriptions.c.created_at)
    conn.execute(
        subscriptions.update()
        .where(subscriptions.c.id == subscription_id)
        .values(callback_url=url, secret=secret, cancelled_at=None, created_at=since)
    )


def refuse_subscription(conn: Connection, subscription_id: int, at: datetime, why: str) -> None:
    """Stop a subscription whose delivery was refused: its undelivered events are marked
    refused with ``why`` (never retried), and no new events are made until it is renewed."""
    conn.execute(
        check_events.update()
        .where(
            check_events.c.subscription_id == subscription_id,
            check_events.c.delivered_at.is_(None),
            _not_refused(),
        )
        .values(attempts=check_events.c.attempts + 1, last_error=why[:300])
    )
    conn.execute(
        subscriptions.update()
        .where(subscriptions.c.id == subscription_id, subscriptions.c.cancelled_at.is_(None))
        .values(cancelled_at=at)
    )


def subscriptions_of_subject(conn: Connection, subject_id: int) -> list[RowMapping]:
    query = (
        select(subscriptions)
        .where(subscriptions.c.subject_id == subject_id)
        .order_by(subscriptions.c.created_at, subscriptions.c.id)
    )
    return list(conn.execute(query).mappings())


def refusals_of(conn: Connection, subscription_ids: Sequence[int]) -> dict[int, str]:
    """subscription id -> the reason its latest refused event gives."""
    found: dict[int, str] = {}
    for part in chunks(list(subscription_ids), 900):
        query = (
            select(check_events.c.subscription_id, check_events.c.last_error)
            .where(
                check_events.c.subscription_id.in_(part),
                check_events.c.last_error.startswith(REFUSED),
            )
            .order_by(check_events.c.seq)
        )
        found.update({sub: str(error) for sub, error in conn.execute(query)})
    return found


def active_subscriptions_of(conn: Connection, subject_ids: Sequence[int]) -> list[RowMapping]:
    rows: list[RowMapping] = []
    for part in chunks(list(subject_ids), 900):
        query = select(subscriptions).where(
            subscriptions.c.subject_id.in_(part), subscriptions.c.cancelled_at.is_(None)
        )
        rows += conn.execute(query).mappings().all()
    return rows


def subscriptions_by_id(conn: Connection, ids: Sequence[int]) -> dict[int, RowMapping]:
    query = select(subscriptions).where(subscriptions.c.id.in_(list(ids)))
    return {row["id"]: row for row in conn.execute(query).mappings()}


def add_events(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(check_events.insert(), list(rows))


def due_events(conn: Connection, now: datetime, limit: int) -> list[RowMapping]:
    """Undelivered events whose retry time has come, oldest first. Per-subject order is kept
    by the caller, which never sends an event while an older one of its subscription waits."""
    query = (
        select(check_events)
        .where(
            check_events.c.delivered_at.is_(None),
            check_events.c.next_attempt_at <= now,
            _not_refused(),
        )
        .order_by(check_events.c.seq)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


def oldest_pending_seq(conn: Connection, subscription_ids: Sequence[int]) -> dict[int, int]:
    query = (
        select(check_events.c.subscription_id, func.min(check_events.c.seq))
        .where(
            check_events.c.subscription_id.in_(list(subscription_ids)),
            check_events.c.delivered_at.is_(None),
            _not_refused(),
        )
        .group_by(check_events.c.subscription_id)
    )
    return {sub: seq for sub, seq in conn.execute(query)}


def claim_event(conn: Connection, seq: int, now: datetime, lease_until: datetime) -> bool:
    """Take an event for delivery; another worker that tries at the same time gets False."""
    result = conn.execute(
        check_events.update()
        .where(
            check_events.c.seq == seq,
            check_events.c.delivered_at.is_(None),
            check_events.c.next_attempt_at <= now,
        )
        .values(next_attempt_at=lease_until)
    )
    return result.rowcount == 1


def mark_delivered(conn: Connection, seq: int, at: datetime) -> None:
    conn.execute(
        check_events.update()
        .where(check_events.c.seq == seq)
        .values(delivered_at=at, attempts=check_events.c.attempts + 1, last_error=None)
    )


def mark_failed(conn: Connection, seq: int, retry_at: datetime, error: str) -> None:
    conn.execute(
        check_events.update()
        .where(check_events.c.seq == seq)
        .values(
            attempts=check_events.c.attempts + 1, next_attempt_at=retry_at, last_error=error[:300]
        )
    )


def events_after(
    conn: Connection, relying_party_id: str, after_seq: int, limit: int
) -> list[RowMapping]:
    """The relying party's events after ``after_seq``, delivered or not (replay)."""
    query = (
        select(check_events)
        .join(subscriptions, subscriptions.c.id == check_events.c.subscription_id)
        .where(
            subscriptions.c.relying_party_id == relying_party_id,
            check_events.c.seq > after_seq,
        )
        .order_by(check_events.c.seq)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


# -- reviews of advisory decisions (G-37, credo.checks.review) -------------------------------


def open_review(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(decision_reviews.insert(), [row])


def get_review(conn: Connection, review_id: str) -> RowMapping | None:
    """The review with its decision's transaction and the identifier it was asked under."""
    return (
        conn.execute(_reviews_query().where(decision_reviews.c.id == review_id)).mappings().first()
    )


def reviews_of_party(
    conn: Connection,
    relying_party_id: str,
    statuses: Sequence[str],
    now: datetime,
    pending_live: bool | None,
    limit: int,
) -> list[RowMapping]:
    """The party's reviews in ``statuses``, newest first; for pending ones, ``pending_live``
    True keeps those still valid, False those past ``valid_until``, None both."""
    query = _reviews_query().where(
        decision_reviews.c.relying_party_id == relying_party_id,
        decision_reviews.c.status.in_(list(statuses)),
    )
    if pending_live is not None:
        live = decision_reviews.c.valid_until > now
        pending = decision_reviews.c.status == "pending"
        query = query.where(or_(~pending, live if pending_live else ~live))
    query = query.order_by(decision_reviews.c.opened_at.desc(), decision_reviews.c.id).limit(limit)
    return list(conn.execute(query).mappings())


def _reviews_query() -> Any:
    return select(
        decision_reviews,
        inquiries.c.transaction_ref,
        inquiries.c.subject_key,
        inquiries.c.as_of,
    ).join(inquiries, inquiries.c.id == decision_reviews.c.id)


def decide_review(conn: Connection, review_id: str, values: dict[str, Any]) -> bool:
    """Record the decision on a pending review; False when it was no longer pending."""
    result = conn.execute(
        decision_reviews.update()
        .where(decision_reviews.c.id == review_id, decision_reviews.c.status == "pending")
        .values(**values)
    )
    return result.rowcount == 1


def review_counts(
    conn: Connection, relying_party_id: str | None
) -> list[tuple[str, str, str, int]]:
    """(relying party, reviewer, status, count) of the decided reviews, and of the pending
    ones with an empty reviewer."""
    reviewer = func.coalesce(decision_reviews.c.reviewer, "")
    query = select(
        decision_reviews.c.relying_party_id, reviewer, decision_reviews.c.status, func.count()
    ).group_by(decision_reviews.c.relying_party_id, reviewer, decision_reviews.c.status)
    if relying_party_id is not None:
        query = query.where(decision_reviews.c.relying_party_id == relying_party_id)
    return [(party, name, status, int(n)) for party, name, status, n in conn.execute(query)]


def reviews_of_subject(conn: Connection, subject_id: int) -> list[RowMapping]:
    query = (
        select(decision_reviews)
        .where(decision_reviews.c.subject_id == subject_id)
        .order_by(decision_reviews.c.opened_at.desc())
    )
    return list(conn.execute(query).mappings())


def inquiries_about(conn: Connection, subject_id: int, since: datetime | None) -> list[RowMapping]:
    """The inquiries resolved to the subject, made at or after ``since`` (None: ever), newest
    first: the decisions relying parties received about it (G-24, G-30)."""
    query = select(inquiries).where(inquiries.c.subject_id == subject_id)
    if since is not None:
        query = query.where(inquiries.c.at >= since)
    return list(conn.execute(query.order_by(inquiries.c.at.desc())).mappings())


# The inquiries the audit log vouches for (service.audited_inquiries).
AUDITED_INQUIRIES = KeyedTable(inquiries)


# -- retention (credo.records.retention, run by credo.disputes.jobs) -------------------------


def subjects_with_inquiries(conn: Connection, subject_ids: Sequence[int]) -> set[int]:
    found: set[int] = set()
    for part in chunks(sorted(set(subject_ids)), 900):
        query = select(inquiries.c.subject_id).where(inquiries.c.subject_id.in_(part)).distinct()
        found.update(conn.execute(query).scalars())
    return found


def inquiries_before(conn: Connection, before: datetime, limit: int) -> list[str]:
    """Ids of inquiries made before ``before``, oldest first."""
    return list(
        conn.execute(
            select(inquiries.c.id)
            .where(inquiries.c.at < before)
            .order_by(inquiries.c.at, inquiries.c.id)
            .limit(limit)
        ).scalars()
    )


def delete_inquiries(conn: Connection, ids: Sequence[str]) -> None:
    for part in chunks(list(ids), 900):
        conn.execute(inquiries.delete().where(inquiries.c.id.in_(part)))


# -- adverse decisions owed a notice (credo.checks.adverse, G-38) ----------------------------


def adverse_inquiry_ids(
    conn: Connection, outcomes: Sequence[str], chunk: int
) -> Generator[list[str]]:
    """Ids of the inquiries with one of ``outcomes`` about a known subject, oldest first, in
    lists of ``chunk`` from one streaming query."""
    query = (
        select(inquiries.c.id)
        .where(inquiries.c.outcome.in_(list(outcomes)), inquiries.c.subject_id.is_not(None))
        .order_by(inquiries.c.at, inquiries.c.id)
    )
    for rows in stream(conn, query, chunk):
        yield [row["id"] for row in rows]


def inquiries_in_order(conn: Connection, ids: Sequence[str]) -> list[RowMapping]:
    """The inquiries ``ids``, oldest first."""
    rows: list[RowMapping] = []
    for part in chunks(list(ids), 900):
        rows += conn.execute(select(inquiries).where(inquiries.c.id.in_(part))).mappings()
    return sorted(rows, key=lambda row: (row["at"], row["id"]))
