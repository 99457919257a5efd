"""The subject is told about adverse decisions (G-38): the scheduled job (``credo jobs run``)
reads the inquiry log for decisions with an adverse outcome about a known subject that no
notice was queued for yet, and hands them to ``credo.notices.adverse_notices``, which writes
the notices. The check's hot path pays nothing; each decision is noticed once."""

from __future__ import annotations

import contextlib
from datetime import datetime

from sqlalchemy import Connection, RowMapping

from credo.catalog.catalogue import Catalogue
from credo.checks import repository
from credo.notices.adverse_notices import (
    ADVERSE_OUTCOMES,
    AdverseDecision,
    notice_key,
    queue_adverse_decision_notices,
)
from credo.notices.service import queued_keys

PAGE = 2000  # inquiry ids looked at per query for a queued notice


def notify_adverse_decisions(
    conn: Connection, catalogue: Catalogue, now: datetime, limit: int = 5000
) -> int:
    """Queue the notices of up to ``limit`` adverse decisions not noticed yet, oldest first;
    how many were queued."""
    decisions = [_decision(row) for row in unnoticed_adverse_inquiries(conn, limit)]
    return queue_adverse_decision_notices(conn, catalogue, decisions, now)


def unnoticed_adverse_inquiries(conn: Connection, limit: int) -> list[RowMapping]:
    """Up to ``limit`` inquiries with an adverse outcome about a known subject and no queued
    notice, oldest first."""
    wanted: list[str] = []
    pages = repository.adverse_inquiry_ids(conn, ADVERSE_OUTCOMES, PAGE)
    with contextlib.closing(pages):
        for ids in pages:
            queued = queued_keys(conn, [notice_key(i) for i in ids])
            wanted += [i for i in ids if notice_key(i) not in queued]
            if len(wanted) >= limit:
                break
    return repository.inquiries_in_order(conn, wanted[:limit])


def _decision(row: RowMapping) -> AdverseDecision:
    return AdverseDecision(
        id=row["id"],
        at=row["at"],
        relying_party_id=row["relying_party_id"],
        purpose=row["purpose"],
        subject_id=row["subject_id"],
        outcome=row["outcome"],
        measures=row["measures"],
        as_of=row["as_of"],
    )
