"""The subject is told about adverse decisions (G-38): for every inquiry whose outcome was
adverse, one notice names the relying party, the purpose, the measures with their legal
bases, and the subject's rights (a free copy of the file, dispute, statement, repair).
``credo.checks.adverse`` finds the decisions not noticed yet in its inquiry log (run by the
scheduled job, so the check's hot path pays nothing) and hands them here; each decision is
noticed once (``dedupe_key``).

Written in the subject's language (credo.notices.reader): each measure with what it means and
its legal basis, the list entry behind it and the records behind that entry by type and case
number, and what the subject can do and from when. A batch reads its subjects' languages,
list entries and records with one query each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.catalog.lists import MeasureDef
from credo.lists.queries import StoredEntry, entries_of_subjects
from credo.notices import rights
from credo.notices.reader import Reader, pick, readers_of, record_name
from credo.notices.service import Notice, enqueue
from credo.records.queries import RecordRef, record_refs

ADVERSE_OUTCOMES = ("restricted", "review")
FREE_FILE_DAYS = 60  # G-38: a free copy of the file within 60 days of an adverse decision


@dataclass(frozen=True, slots=True)
class AdverseDecision:
    """A decision with an adverse outcome about a known subject, as its inquiry logged it."""

    id: str
    at: datetime
    relying_party_id: str
    purpose: str
    subject_id: int
    outcome: str
    measures: Any  # measure ids (or objects naming them)
    as_of: date | None  # the past day the check asked about; None: the day it was made


def notice_key(decision_id: str) -> str:
    """The ``dedupe_key`` of a decision's notice."""
    return f"adverse:{decision_id}"


def queue_adverse_decision_notices(
    conn: Connection, catalogue: Catalogue, decisions: Sequence[AdverseDecision], now: datetime
) -> int:
    """Queue one notice per decision; how many."""
    if not decisions:
        return 0
    subject_ids = sorted({d.subject_id for d in decisions})
    readers = readers_of(conn, catalogue, subject_ids)
    entries: dict[int, list[StoredEntry]] = {}
    for entry in entries_of_subjects(conn, subject_ids):
        entries.setdefault(entry.subject_id, []).append(entry)
    records = record_refs(
        conn, (r for found in entries.values() for e in found for r in e.record_ids)
    )
    notices = [
        _notice(catalogue, readers[d.subject_id], d, entries.get(d.subject_id, []), records)
        for d in decisions
    ]
    enqueue(conn, notices, now)
    return len(decisions)


@dataclass(frozen=True)
class Reported:
    """A measure the registry reported, and the list entries (with their records) behind it."""

    measure: MeasureDef | None
    measure_id: str
    entries: list[tuple[StoredEntry, list[RecordRef]]]


def _notice(
    catalogue: Catalogue,
    reader: Reader,
    inquiry: AdverseDecision,
    entries: list[StoredEntry],
    records: dict[str, RecordRef],
) -> Notice:
    party = catalogue.relying_parties.get(inquiry.relying_party_id)
    who = reader.name(party.name) if party else inquiry.relying_party_id
    day = inquiry.as_of or reader.local(inquiry.at).date()
    reported = [
        _reported(catalogue, m, entries, records, day) for m in _measure_ids(inquiry.measures)
    ]
    behind = list(
        {r.record_id: r for x in reported for _, refs in x.entries for r in refs}.values()
    )
    parts = [
        _what(reader, catalogue, inquiry, who, reported),
        _means(reader, inquiry, who),
        "\n".join([*rights.lines(reader, catalogue, behind), _free_file(reader, inquiry)]),
    ]
    return Notice(
        "subject",
        str(inquiry.subject_id),
        "adverse_decision",
        pick(
            reader,
            f"{who} checked your file and the registry reported measures against you",
            f"{who}查询了您的信用档案，本平台报告了对您的不利措施",
        ),
        "\n\n".join(parts),
        subject_id=inquiry.subject_id,
        payload={
            "decision_id": inquiry.id,
            "relying_party_id": inquiry.relying_party_id,
            "purpose": inquiry.purpose,
            "outcome": inquiry.outcome,
            "measures": [_measure_payload(catalogue, x.measure_id) for x in reported],
            "source_refs": [r.source_ref for r in behind],
            "language": reader.lang,
        },
        dedupe_key=notice_key(inquiry.id),
    )


def _reported(
    catalogue: Catalogue,
    measure_id: str,
    entries: list[StoredEntry],
    records: dict[str, RecordRef],
    day: date,
) -> Reported:
    """The measure, and the subject's entries on the lists that trigger it on ``day`` (any
    entry on those lists where the stored entries no longer cover that day), each with the
    records behind it."""
    measure = catalogue.measures.get(measure_id)
    lists = set(measure.triggered_by) if measure else set()
    on_lists = [e for e in entries if e.list_id in lists]
    current = [e for e in on_lists if e.effective_on <= day < e.ends_on]
    behind = [(e, [records[r] for r in e.record_ids if r in records]) for e in current or on_lists]
    return Reported(measure, measure_id, behind)


def _what(
    reader: Reader,
    catalogue: Catalogue,
    inquiry: AdverseDecision,
    who: str,
    reported: list[Reported],
) -> str:
    purpose = catalogue.purposes.get(inquiry.purpose)
    why = reader.name(purpose.name) if purpose else inquiry.purpose
    at, number = reader.moment(inquiry.at), inquiry.id
    lead = pick(
        reader,
        f"On {at}, {who} checked your file for “{why}” (decision number {number}). The "
        "registry reported:",
        f"{who}于{at}为“{why}”查询了您的信用档案（决定编号 {number}）。本平台报告了：",
    )
    return "\n".join([lead, *(_measure_line(reader, catalogue, x) for x in reported)])


def _measure_line(reader: Reader, catalogue: Catalogue, reported: Reported) -> str:
    measure = reported.measure
    if measure is None:
        return f"- {reported.measure_id}"
    basis = reader.words.legal_basis("measures", measure.id, measure.legal_basis)
    line = pick(
        reader,
        f"- {reader.name(measure.name)}: {reader.name(measure.effect)} ({basis.instrument}, "
        f"{basis.article})",
        f"- {reader.name(measure.name)}：{reader.name(measure.effect)}"
        f"（{basis.instrument}{basis.article}）",
    )
    return "\n".join(
        [line, *(_entry_line(reader, catalogue, e, refs) for e, refs in reported.entries)]
    )


def _entry_line(
    reader: Reader, catalogue: Catalogue, entry: StoredEntry, behind: list[RecordRef]
) -> str:
    list_def = catalogue.lists.get(entry.list_id)
    name = reader.name(list_def.name) if list_def else entry.list_id
    because = reader.join(
        record_name(reader, catalogue, r.record_type, r.source_ref) for r in behind
    )
    until = reader.date(entry.ends_on)
    if reader.zh:
        return f"  因{because}，您被列入{name}，最迟至{until}止。"
    return f"  because you are on the {name} until {until} at the latest, for {because}."


def _means(reader: Reader, inquiry: AdverseDecision, who: str) -> str:
    """The registry reports; the relying party decides (and a review outcome is advice)."""
    if inquiry.outcome == "review":
        return pick(
            reader,
            f"The registry did not take this decision: {who} did. The measures are only advice "
            f"until a person at {who} has reviewed them.",
            f"该决定并非本平台作出，而是由{who}作出。在{who}的工作人员复核之前，上述措施仅为建议。",
        )
    return pick(
        reader,
        f"The registry did not take this decision: {who} did, for this purpose only.",
        f"该决定并非本平台作出，而是由{who}仅为上述用途作出。",
    )


def _free_file(reader: Reader, inquiry: AdverseDecision) -> str:
    """G-38: the right to a free copy of the file within 60 days of the decision."""
    by = reader.date(inquiry.at + timedelta(days=FREE_FILE_DAYS))
    return pick(
        reader,
        f"- Ask for a free copy of everything the registry holds about you within "
        f"{FREE_FILE_DAYS} days, by {by} (your report is free at any time).",
        f"- 在{FREE_FILE_DAYS}日内（{by}前）免费获取本平台持有的与您有关的全部信息"
        "（您也可以随时免费查询您的信用报告）。",
    )


def _measure_ids(value: Any) -> list[str]:
    """The inquiry log keeps measure ids (or objects naming them)."""
    ids = []
    for item in value or []:
        if isinstance(item, str):
            ids.append(item)
        elif isinstance(item, dict) and isinstance(item.get("measure"), str):
            ids.append(item["measure"])
    return ids


def _measure_payload(catalogue: Catalogue, measure_id: str) -> dict[str, str]:
    measure = catalogue.measures.get(measure_id)
    if measure is None:
        return {"id": measure_id, "name": measure_id, "legal_basis": "see the catalogue"}
    basis = f"{measure.legal_basis.instrument}, {measure.legal_basis.article}"
    return {"id": measure_id, "name": measure.name.en, "legal_basis": basis}
