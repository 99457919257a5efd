"""All SQL about the notice outbox and recipients' contact addresses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from credo.db.bulk import pair_clauses
from credo.db.sql import chunks, insert_ignore, upsert
from credo.notices.tables import notice_contacts, notices, subject_preferences


def insert_notices(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Insert; a notice whose ``dedupe_key`` is already queued is skipped (job reruns)."""
    insert_ignore(conn, notices, rows)


def unsent(conn: Connection, limit: int) -> list[RowMapping]:
    return list(
        conn.execute(
            select(notices).where(notices.c.sent_at.is_(None)).order_by(notices.c.id).limit(limit)
        ).mappings()
    )


def mark_sent(conn: Connection, notice_id: int, channel: str, at: datetime) -> None:
    conn.execute(
        notices.update()
        .where(notices.c.id == notice_id)
        .values(sent_at=at, channel=channel, attempts=notices.c.attempts + 1, last_error=None)
    )


def mark_failed(conn: Connection, notice_id: int, channel: str, error: str) -> None:
    conn.execute(
        notices.update()
        .where(notices.c.id == notice_id)
        .values(channel=channel, attempts=notices.c.attempts + 1, last_error=error[:2000])
    )


def of_subject(conn: Connection, subject_id: int) -> list[RowMapping]:
    """Notices about a subject that were addressed to the subject."""
    return list(
        conn.execute(
            select(notices)
            .where(notices.c.subject_id == subject_id, notices.c.recipient_kind == "subject")
            .order_by(notices.c.id)
        ).mappings()
    )


def of_recipient(conn: Connection, recipient_kind: str, recipient_id: str) -> list[RowMapping]:
    return list(
        conn.execute(
            select(notices)
            .where(
                notices.c.recipient_kind == recipient_kind,
                notices.c.recipient_id == recipient_id,
            )
            .order_by(notices.c.id)
        ).mappings()
    )


def set_contact(conn: Connection, recipient_kind: str, recipient_id: str, email: str) -> None:
    upsert(
        conn,
        notice_contacts,
        [{"recipient_kind": recipient_kind, "recipient_id": recipient_id, "email": email}],
        ["recipient_kind", "recipient_id"],
        ["email"],
    )


def contacts(conn: Connection, keys: set[tuple[str, str]]) -> dict[tuple[str, str], str]:
    found: dict[tuple[str, str], str] = {}
    pair = (notice_contacts.c.recipient_kind, notice_contacts.c.recipient_id)
    for clause in pair_clauses(conn, *pair, keys):
        for kind, recipient_id, email in conn.execute(select(notice_contacts).where(clause)):
            found[(kind, recipient_id)] = email
    return found


def preference_of(conn: Connection, subject_id: int) -> RowMapping | None:
    """The subject's language and time zone, if the subject ever chose one."""
    query = select(subject_preferences).where(subject_preferences.c.subject_id == subject_id)
    return conn.execute(query).mappings().first()


def set_language(conn: Connection, subject_id: int, language: str, at: datetime) -> None:
    """The language the subject last acted in; a time zone given before is kept."""
    row = {"subject_id": subject_id, "language": language, "updated_at": at}
    upsert(conn, subject_preferences, [row], ["subject_id"], ["language", "updated_at"])


def preferences_of(conn: Connection, subject_ids: Iterable[int]) -> dict[int, RowMapping]:
    """The language and time zone of those of these subjects who chose one (one query per
    900 subjects: notices of a whole batch are written at once)."""
    found: dict[int, RowMapping] = {}
    for part in chunks(sorted(set(subject_ids)), 900):
        query = select(subject_preferences).where(subject_preferences.c.subject_id.in_(part))
        found |= {row["subject_id"]: row for row in conn.execute(query).mappings()}
    return found


def queued_keys(conn: Connection, keys: Iterable[str]) -> set[str]:
    """Those of ``keys`` that a queued notice already carries as its ``dedupe_key``."""
    found: set[str] = set()
    for part in chunks(sorted(set(keys)), 900):
        query = select(notices.c.dedupe_key).where(notices.c.dedupe_key.in_(part))
        found.update(conn.execute(query).scalars())
    return found
