"""Prior notice of a list entry (G-22): when the subject hooks materialise a new entry, the
subject gets a notice with the reasons, the legal basis, the rights, the objection channel
and the date the entry would take effect. Registered after the lists hook, so it sees the
entries that hook just stored; each entry is noticed once (``dedupe_key``).

Written in plain words in the subject's language (credo.notices.reader): which records put
them on the list (by type and case number), what the entry means for them and from when
(the measures it triggers), and how to object and by when. The batch's languages and records
are read with one query each, never one per notice (this runs in the write transaction)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.catalog.lists import ListDef
from credo.clock import Clock
from credo.lists.queries import StoredEntry, entries_of_subjects
from credo.notices import repository, rights
from credo.notices.reader import Reader, pick, readers_of, record_name
from credo.notices.service import Notice, enqueue
from credo.records.queries import RecordRef, record_refs
from credo.records.service import SubjectHook

LIVE = ("notified", "effective")  # the statuses of an entry the subject is told about


def make_hook(catalogue: Catalogue, clock: Clock) -> SubjectHook:
    def hook(
        conn: Connection, subject_ids: set[int], record_types: frozenset[str] | None = None
    ) -> None:
        entries = unnoticed_entries(conn, sorted(subject_ids))
        if entries:
            enqueue(conn, list_entry_notices(conn, catalogue, entries, clock.today()), clock.now())

    return hook


def unnoticed_entries(conn: Connection, subject_ids: list[int]) -> list[StoredEntry]:
    """The subjects' live entries (notified or effective) that no notice was queued for yet,
    in subject and entry order, so that notices are queued in the same order on every
    database (this runs in the write transaction)."""
    entries = entries_of_subjects(conn, subject_ids, statuses=LIVE)
    queued = repository.queued_keys(conn, [_key(e) for e in entries])
    return [e for e in entries if _key(e) not in queued]


def _key(entry: StoredEntry) -> str:
    return f"list_entry:{entry.id}"


def list_entry_notices(
    conn: Connection, catalogue: Catalogue, entries: list[StoredEntry], today: date
) -> list[Notice]:
    readers = readers_of(conn, catalogue, (e.subject_id for e in entries))
    records = record_refs(conn, (r for e in entries for r in e.record_ids))
    return [_notice(catalogue, readers[e.subject_id], e, records, today) for e in entries]


def _notice(
    catalogue: Catalogue,
    reader: Reader,
    entry: StoredEntry,
    records: dict[str, RecordRef],
    today: date,
) -> Notice:
    list_def = catalogue.lists.get(entry.list_id)
    behind = [records[r] for r in entry.record_ids if r in records]
    payload: dict[str, Any] = {
        "entry_id": entry.id,
        "list_id": entry.list_id,
        "record_ids": list(entry.record_ids),
        "source_refs": [r.source_ref for r in behind],
        "effective_on": entry.effective_on.isoformat(),
        "ends_on": entry.ends_on.isoformat(),
        "language": reader.lang,
    }
    name = reader.name(list_def.name) if list_def else entry.list_id
    parts = [
        _what(reader, catalogue, entry, list_def, name, behind),
        _means(reader, catalogue, entry, name),
        _further(reader, catalogue, entry, behind, today),
    ]
    return Notice(
        "subject",
        str(entry.subject_id),
        "list_entry_notice",
        pick(reader, f"Notice: you are to be entered on the {name}", f"通知：您将被列入{name}")
        if entry.status == "notified"
        else pick(reader, f"Notice: you were entered on the {name}", f"通知：您已被列入{name}"),
        "\n\n".join(parts),
        subject_id=entry.subject_id,
        payload=payload,
        dedupe_key=_key(entry),
    )


def _what(
    reader: Reader,
    catalogue: Catalogue,
    entry: StoredEntry,
    list_def: ListDef | None,
    name: str,
    behind: list[RecordRef],
) -> str:
    """Why: the records behind the entry, and the provision that sets up the list."""
    because = reader.join(
        record_name(reader, catalogue, r.record_type, r.source_ref) for r in behind
    )
    if list_def is None:
        basis = pick(reader, "the list's legal basis", "该名单的法律依据")
    else:
        text = reader.words.legal_basis("lists", list_def.id, list_def.legal_basis)
        basis = pick(
            reader, f"{text.instrument}, {text.article}", f"{text.instrument}{text.article}"
        )
    ahead = entry.status == "notified"
    if reader.zh:
        return f"因{because}，依照{basis}，您{'将被' if ahead else '已被'}列入{name}。"
    verb = "are to be entered" if ahead else "were entered"
    return f"Because of {because}, you {verb} on the {name} under {basis}."


def _means(reader: Reader, catalogue: Catalogue, entry: StoredEntry, name: str) -> str:
    """What it means: from when, until when, and the measures that apply meanwhile."""
    since, until = reader.date(entry.effective_on), reader.date(entry.ends_on)
    if entry.status == "notified":
        lead = pick(
            reader,
            f"The entry takes effect on {since} and ends on {until} at the latest.",
            f"该列入自{since}起生效，最迟于{until}结束。",
        )
    else:
        lead = pick(
            reader,
            f"The entry took effect on {since} and ends on {until} at the latest.",
            f"该列入已于{since}生效，最迟于{until}结束。",
        )
    measures = [m for m in catalogue.measures.values() if entry.list_id in m.triggered_by]
    if not measures:
        return lead
    lines = [
        f"- {reader.name(m.name)}{pick(reader, ': ', '：')}{reader.name(m.effect)}"
        for m in measures
    ]
    heading = pick(
        reader,
        f"While you are on the {name}, these measures apply:",
        f"列入{name}期间，适用以下措施：",
    )
    return "\n".join([lead, heading, *lines])


def _further(
    reader: Reader,
    catalogue: Catalogue,
    entry: StoredEntry,
    behind: list[RecordRef],
    today: date,
) -> str:
    """How to take it further, and by when: object before the entry takes effect."""
    found = rights.lines(reader, catalogue, behind)
    if entry.status == "notified":
        window = catalogue.profile.objection_window_days
        by = reader.date(max(today, entry.effective_on - timedelta(days=1)))
        objection = pick(
            reader,
            f"- Object within {window} days, by {by}: dispute the record with the category "
            "“objection” in your report. While your objection is open, the record has no "
            "effect and the entry does not take effect.",
            f"- 在{window}日内（{by}前）提出异议：在您的信用报告中对该记录提出“反对”类异议。"
            "异议处理期间，该记录不产生影响，列入不生效。",
        )
        found.insert(1, objection)
    return "\n".join(found)
