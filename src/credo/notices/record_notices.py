"""Notices to the subject when a furnisher ends or prolongs a record without a new decision:
a delisting (the authority ended it early, e.g. absent from a full-list delivery) and a
confirmation that keeps it in effect beyond the record type's maximum counted from the
decision's start (credo.records.effect: a confirmation restarts the ceiling). Each chain is
noticed once per kind (``dedupe_key``). ``make_hook`` is the subject hook form, for
``context.subject_hooks``; full-list deliveries call ``queue_record_notices`` directly.

Written in plain words in the subject's language (credo.notices.reader), naming the record by
its type and case number; the batch's languages are read with one query."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.catalog.models import RecordType
from credo.clock import Clock
from credo.notices import repository, rights
from credo.notices.reader import Reader, pick, readers_of, record_name
from credo.notices.service import Notice, enqueue
from credo.records import effect
from credo.records.queries import CurrentRecord, delisted_or_confirmed
from credo.records.service import SubjectHook


def make_hook(catalogue: Catalogue, clock: Clock) -> SubjectHook:
    def hook(
        conn: Connection, subject_ids: set[int], record_types: frozenset[str] | None = None
    ) -> None:
        queue_record_notices(conn, catalogue, subject_ids, clock)

    return hook


def queue_record_notices(
    conn: Connection, catalogue: Catalogue, subject_ids: set[int], clock: Clock
) -> int:
    """Queue the notices owed for these subjects' records; returns how many were new."""
    rows = [r for r in _unnoticed(conn, sorted(subject_ids)) if _owed(catalogue, r)]
    if not rows:
        return 0
    readers = readers_of(conn, catalogue, (r.subject_id for r in rows))
    notices = [_notice(catalogue, readers[r.subject_id], r) for r in rows]
    enqueue(conn, notices, clock.now())
    return len(notices)


# (dedupe-key prefix, the records it is about): one notice of each kind per chain
KINDS: tuple[tuple[str, Callable[[CurrentRecord], bool]], ...] = (
    ("record_delisted:", lambda r: r.state == "delisted"),
    ("record_confirmed:", lambda r: r.confirmed_on is not None),
)


def _unnoticed(conn: Connection, subject_ids: list[int]) -> list[CurrentRecord]:
    """The subjects' delisted or confirmed chains that no notice of that kind was queued for
    yet (a chain both delisted and confirmed is looked at under each kind)."""
    rows = delisted_or_confirmed(conn, subject_ids)
    queued = repository.queued_keys(
        conn, (prefix + r.chain_id for prefix, _ in KINDS for r in rows)
    )
    return [
        r for prefix, about in KINDS for r in rows if about(r) and prefix + r.chain_id not in queued
    ]


def _owed(catalogue: Catalogue, row: CurrentRecord) -> bool:
    """A delisting, or a confirmation that keeps the record beyond its type's maximum from
    the decision's start."""
    if row.state == "delisted":
        return True
    record_type = catalogue.record_types.get(row.record_type)
    return (
        record_type is not None
        and row.state == "active"
        and row.effect_until > _ceiling(record_type, row)
    )


def _ceiling(record_type: RecordType, row: CurrentRecord) -> date:
    return effect.ceiling_end(record_type.max_effect, row.effective_from)


def _notice(catalogue: Catalogue, reader: Reader, row: CurrentRecord) -> Notice:
    payload = {
        "chain_id": row.chain_id,
        "record_id": row.record_id,
        "record_type": row.record_type,
        "source_ref": row.source_ref,
        "effect_until": row.effect_until.isoformat(),
        "end_reason": row.end_reason,
        "language": reader.lang,
    }
    furnisher = catalogue.furnishers.get(row.furnisher_id)
    who = reader.name(furnisher.name) if furnisher else row.furnisher_id
    name = record_name(reader, catalogue, row.record_type, row.source_ref)
    if row.state == "delisted":
        assert row.ended_on is not None  # a delisting ends the chain on a day
        payload["delisted_on"] = row.ended_on.isoformat()
        title, body = _delisted(reader, who, name, row)
        kind = "record_delisted"
    else:
        record_type = catalogue.record_types[row.record_type]
        ceiling = _ceiling(record_type, row)
        assert row.confirmed_on is not None  # only confirmed chains are owed this notice
        payload |= {
            "confirmed_on": row.confirmed_on.isoformat(),
            "ceiling": ceiling.isoformat(),
        }
        title, body = _confirmed(reader, catalogue, record_type, who, name, row, ceiling)
        kind = "record_confirmed"
    return Notice(
        "subject",
        str(row.subject_id),
        kind,
        title,
        body,
        subject_id=row.subject_id,
        payload=payload,
        dedupe_key=f"{kind}:{row.chain_id}",
    )


def _delisted(reader: Reader, who: str, name: str, row: CurrentRecord) -> tuple[str, str]:
    """Good news: the authority ended the record early."""
    on = reader.date(row.ended_on)
    if reader.zh:
        return (
            f"{who}已提前终止您的记录",
            f"{who}已于{on}终止{name}。\n\n"
            f"自{on}起，该记录不再产生任何影响，因该记录被列入的名单及相应措施随之终止。"
            "该记录的历史仍保留在您的信用报告中。\n\n"
            "您可以：\n- 随时免费查询您的信用报告；其中内容有误的，可随时提出异议。",
        )
    return (
        f"{who} ended your record early",
        f"{who} ended {name} on {on}.\n\n"
        f"From {on} it has no effect: any list entry it put you on ends with it, and so do the "
        "measures that entry triggered. Its history stays in your report.\n\n"
        "What you can do:\n- See your report at any time, free of charge, and dispute "
        "anything in it that is wrong.",
    )


def _confirmed(
    reader: Reader,
    catalogue: Catalogue,
    record_type: RecordType,
    who: str,
    name: str,
    row: CurrentRecord,
    ceiling: date,
) -> tuple[str, str]:
    """The authority kept the record in effect beyond its usual period."""
    confirmed, until = reader.date(row.confirmed_on), reader.date(row.effect_until)
    longest, ends = reader.words.term(record_type.max_effect), reader.date(ceiling)
    if reader.zh:
        title = f"您的记录经确认继续有效，超出通常期限：{reader.name(record_type.name)}"
        what = (
            f"{who}于{confirmed}确认{name}仍然有效。按该类记录自决定之日起最长{longest}的"
            f"影响期，该记录本应于{ends}结束；经此确认，该记录最迟有效至{until}，再次确认的除外。"
        )
    else:
        title = (
            f"Your record was confirmed beyond its usual period: {reader.name(record_type.name)}"
        )
        what = (
            f"{who} confirmed on {confirmed} that {name} is still in effect. Its longest period "
            f"of {longest} from the decision would have ended it on {ends}; the confirmation "
            f"keeps it in effect until {until} at the latest, unless it is confirmed again."
        )
    further = rights.lines(reader, catalogue, [row])
    further.insert(
        2,
        pick(
            reader,
            f"- Dispute the confirmation itself before {until} if the decision no longer "
            "applies to you.",
            f"- 决定已不再适用于您的，可在{until}前对该确认提出异议。",
        ),
    )
    return title, f"{what}\n\n" + "\n".join(further)
