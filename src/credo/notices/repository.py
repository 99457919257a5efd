"""All SQL about the notice outbox and recipients' contact addresses."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, literal, select

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


def unnoticed_list_entries(conn: Connection, subject_ids: Sequence[int]) -> list[RowMapping]:
    """The lists package's live entries of these subjects that no notice was queued for yet
    (one indexed NOT EXISTS per batch: this runs in the write transaction), in subject and
    entry order so that notices are queued in the same order on every database."""
    import importlib

    list_entries = getattr(importlib.import_module("credo.lists.tables"), "list_entries", None)
    if list_entries is None:
        return []
    key = literal("list_entry:") + list_entries.c.id
    noticed = select(notices.c.id).where(notices.c.dedupe_key == key)
    found: list[RowMapping] = []
    for part in chunks(sorted(set(subject_ids)), 900):
        found += conn.execute(
            select(list_entries).where(
                list_entries.c.subject_id.in_(part),
                list_entries.c.status.in_(("notified", "effective")),
                ~noticed.exists(),
            )
            .order_by(list_entries.c.subject_id, list_entries.c.id)
        ).mappings()
    return found


def unnoticed_adverse_inquiries(
    conn: Connection, outcomes: Sequence[str], limit: int
) -> list[RowMapping]:
    """The checks package's inquiries with an adverse outcome about a known subject that no
    notice was queued for yet, oldest first."""
    import importlib

    inquiries = getattr(importlib.import_module("credo.checks.tables"), "inquiries", None)
    if inquiries is None:
        return []
    key = literal("adverse:") + inquiries.c.id
    noticed = select(notices.c.id).where(notices.c.dedupe_key == key)
    return list(
        conn.execute(
            select(inquiries)
            .where(
                inquiries.c.outcome.in_(list(outcomes)),
                inquiries.c.subject_id.is_not(None),
                ~noticed.exists(),
            )
            .order_by(inquiries.c.at)
            .limit(limit)
        ).mappings()
    )


def unnoticed_record_ends(conn: Connection, subject_ids: Sequence[int]) -> list[RowMapping]:
    """The records package's current views of these subjects that were delisted or confirmed
    and that no ``record_delisted:`` / ``record_confirmed:`` notice was queued for yet."""
    import importlib

    current = getattr(importlib.import_module("credo.records.tables"), "record_current", None)
    if current is None:
        return []
    found: list[RowMapping] = []
    for prefix, clause in (
        ("record_delisted:", current.c.state == "delisted"),
        ("record_confirmed:", current.c.confirmed_on.is_not(None)),
    ):
        noticed = select(notices.c.id).where(
            notices.c.dedupe_key == literal(prefix) + current.c.chain_id
        )
        for part in chunks(sorted(set(subject_ids)), 900):
            found += conn.execute(
                select(current).where(current.c.subject_id.in_(part), clause, ~noticed.exists())
            ).mappings()
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


def record_refs(conn: Connection, record_ids: Iterable[str]) -> dict[str, RowMapping]:
    """How the subject knows each record: record id (of any revision) -> its chain's current
    type, the furnisher's reference (``source_ref``), furnisher and start of effect (one
    query per 900 records)."""
    import importlib

    tables = importlib.import_module("credo.records.tables")
    s, c = tables.record_statements.c, tables.record_current.c
    columns = (c.chain_id, c.record_type, c.source_ref, c.furnisher_id, c.effective_from)
    found: dict[str, RowMapping] = {}
    for part in chunks(sorted(set(record_ids)), 900):
        query = (
            select(s.record_id, *columns)
            .join_from(tables.record_statements, tables.record_current, s.chain_id == c.chain_id)
            .where(s.record_id.in_(part))
        )
        found |= {row["record_id"]: row for row in conn.execute(query).mappings()}
    return found


def list_entries_of(conn: Connection, subject_ids: Iterable[int]) -> list[RowMapping]:
    """The lists package's stored entries of these subjects, whatever their status (what an
    inquiry of the past found them on)."""
    import importlib

    list_entries = importlib.import_module("credo.lists.tables").list_entries
    found: list[RowMapping] = []
    for part in chunks(sorted(set(subject_ids)), 900):
        query = select(list_entries).where(list_entries.c.subject_id.in_(part))
        found += conn.execute(query).mappings()
    return found
