"""The subject's own report (G-23): everything held about one subject, free and complete.

Every record (including suppressed, revoked, expired-but-retained ones) with its source,
legal basis, dates, repair eligibility, full statement history, the subject's statements and
its disputes; every rating with its explanation; every list entry with its legal basis, term
and exit path; every inquiry (G-24) and every subscription that watches it (who, since when,
for which purpose); every advisory decision and whether a person of the relying party
confirmed or overrode it (G-37); every dispute, claim and repair application; every notice
sent to the subject. Only ``subject_id``'s data is read, by construction: every query below is
keyed on it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, RowMapping

from credo.catalog.catalogue import Catalogue
from credo.checks.review import of_subject as reviews_of_subject
from credo.checks.subscriptions import watchers_of
from credo.disputes import peers, repository
from credo.disputes.repair import eligible_from
from credo.disputes.service import status_now
from credo.jsonvalue import jsonable
from credo.notices.service import SubjectNotice, notices_to_subject
from credo.quality import hold as quality_hold
from credo.records import effect
from credo.records.effect import EffectRule
from credo.records.queries import (
    current_of_subject,
    statements_of_subject,
    subject_statements,
    suppressions_of_subject,
)
from credo.subjects.service import subject_summary

Row = TypeVar("Row", bound=Mapping[Any, Any])  # a stored row or a record's view

RIGHTS = {
    "free_copy": "This report is free. You may ask for it at any time.",
    "dispute": "You may dispute any record; it has no effect until the dispute is resolved, "
    "by the deadline shown. Unresolved by then, it stays without effect as unverified.",
    "not_me": "If a record is not about you, file a 'not me' claim: it is suspended at once.",
    "statement": "You may attach your own statement to any record; it travels with it.",
    "repair": "Where the record type allows it, you may apply for credit repair from the date "
    "shown, with proof that the conditions are met.",
}


def subject_report(
    conn: Connection, catalogue: Catalogue, subject_id: int, now: datetime
) -> dict[str, Any]:
    today = now.date()
    disputes = repository.cases_of_subject(conn, "disputes", subject_id)
    report = {
        "generated_at": now,
        "profile": catalogue.profile.id,
        "subject": subject_summary(conn, subject_id),
        "records": _records(conn, catalogue, subject_id, disputes, today, now),
        "ratings": peers.ratings_of(conn, subject_id),
        "list_entries": peers.list_entries_of(conn, catalogue, subject_id, today),
        "inquiries": peers.inquiries_of(conn, subject_id),
        # advisory decisions about the subject and what a person decided (G-37)
        "human_reviews": reviews_of_subject(conn, subject_id, now),
        "subscriptions": _watchers(conn, catalogue, subject_id),
        "disputes": [_dispute(d, now) for d in disputes],
        "repair_applications": [
            _plain(r) for r in repository.cases_of_subject(conn, "repairs", subject_id)
        ],
        "notices": [_notice(n) for n in notices_to_subject(conn, subject_id)],
        "rights": RIGHTS,
    }
    return jsonable(report)


def _watchers(conn: Connection, catalogue: Catalogue, subject_id: int) -> list[dict[str, Any]]:
    """Who watches the subject through a subscription, since when and why (G-24)."""
    return watchers_of(conn, catalogue, subject_id)


def _records(
    conn: Connection,
    catalogue: Catalogue,
    subject_id: int,
    disputes: list[RowMapping],
    today: date,
    now: datetime,
) -> list[dict[str, Any]]:
    history = _by_chain([asdict(s) for s in statements_of_subject(conn, subject_id)])
    suppressions = _by_chain([asdict(s) for s in suppressions_of_subject(conn, subject_id)])
    current = [asdict(c) for c in current_of_subject(conn, subject_id)]
    remarks = subject_statements(conn, [c["chain_id"] for c in current])
    disputes_by_chain = _by_chain(disputes)
    # G-49: a record whose furnisher is held for review says so (no subject data is read)
    flags = quality_hold.flags(conn, {row["furnisher_id"] for row in current})
    return [
        {
            **_record(catalogue, row, suppressions.get(row["chain_id"], []), today),
            "history": [_statement(s) for s in history.get(row["chain_id"], [])],
            "subject_statements": [
                {"text": s.text, "created_at": s.created_at}
                for s in remarks.get(row["chain_id"], [])
            ],
            "disputes": [_dispute(d, now) for d in disputes_by_chain.get(row["chain_id"], [])],
            "data_quality": flags.get(row["furnisher_id"]),
        }
        for row in current
    ]


def _by_chain(rows: Sequence[Row]) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        grouped[row["chain_id"]].append(row)
    return grouped


def _record(
    catalogue: Catalogue,
    row: Mapping[str, Any],
    suppressions: Sequence[Mapping[str, Any]],
    today: date,
) -> dict[str, Any]:
    record_type = catalogue.record_types.get(row["record_type"])
    furnisher = catalogue.furnishers.get(row["furnisher_id"])
    open_reasons = sorted({s["reason"] for s in suppressions if s["closed_at"] is None})
    return {
        "record_id": row["record_id"],
        "chain_id": row["chain_id"],
        "revision": row["revision"],
        "record_type": row["record_type"],
        "type_name": record_type.name.model_dump() if record_type else None,
        "domain": record_type.domain.value if record_type else None,
        "legal_basis": record_type.legal_basis.model_dump() if record_type else None,
        "source": {
            "furnisher_id": row["furnisher_id"],
            "furnisher": furnisher.name.model_dump() if furnisher else None,
            "source_ref": row["source_ref"],
        },
        "state": row["state"],
        "finality": row["finality"],
        "occurred_on": row["occurred_on"],
        "effective_from": row["effective_from"],
        "effect_until": row["effect_until"],
        "expires_on": row["expires_on"],
        "performed_on": row["performed_on"],
        "term": {
            "ends_on": row["term_ends_on"],
            "until": row["term_until"],
            "review_on": row["review_on"],
        },
        "confirmed_on": row["confirmed_on"],
        "ended_on": row["ended_on"],
        "end_reason": row["end_reason"],
        "effect_reason": effect_reason(row, open_reasons, today, catalogue),
        "repair_eligible_on": _repair_date(record_type, row),
        "payload": row["payload"],
        "effect": effect_status(row, open_reasons, today, catalogue),
        "restrictions": [_plain(s) for s in suppressions],
    }


def _repair_date(record_type: Any, row: Mapping[str, Any]) -> date | None:
    if record_type is None or not record_type.repairable.allowed:
        return None
    return eligible_from(record_type, row["effective_from"])


def effect_status(
    row: RowMapping | Mapping[str, Any], open_reasons: list[str], today: date, catalogue: Catalogue
) -> str:
    """Whether the record has effect today and, if not, why (credo.records.effect)."""
    reason = effect_reason(row, open_reasons, today, catalogue)
    if reason is None:
        return "in effect"
    if reason == effect.SUSPENDED:
        return f"no effect: {', '.join(open_reasons)}"
    if reason == effect.NOT_YET:
        return "no effect yet"
    return f"no effect: {reason.replace('_', ' ')}"


def effect_reason(
    row: RowMapping | Mapping[str, Any], open_reasons: list[str], today: date, catalogue: Catalogue
) -> str | None:
    suppressed: bool | str = bool(open_reasons)
    if "repaired" in open_reasons or "deleted" in open_reasons:
        suppressed = "repaired" if "repaired" in open_reasons else "deleted"
    return EffectRule.of(catalogue).why_not({**row, "suppressed": suppressed}, today)


def _statement(row: Mapping[str, Any]) -> dict[str, Any]:
    keys = (
        "record_id",
        "revision",
        "action",
        "occurred_on",
        "effective_from",
        "finality",
        "term_ends_on",
        "term_until",
        "review_on",
        "effect_until",
        "end_reason",
    )
    return {
        **{k: row[k] for k in keys},
        "payload": row["payload"],
        "evidence": row["evidence"],
        "received_at": row["received_at"],
    }


def _dispute(row: RowMapping, now: datetime) -> dict[str, Any]:
    return {**_plain(row), "status": status_now(row, now)}


def _notice(notice: SubjectNotice) -> dict[str, Any]:
    return asdict(notice)


def _plain(row: Mapping[Any, Any]) -> dict[str, Any]:
    return dict(row)
