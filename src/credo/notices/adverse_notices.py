"""The subject is told about adverse decisions (G-38): for every inquiry whose outcome was
adverse, one notice names the relying party, the purpose, the measures with their legal
bases, and the subject's rights (a free copy of the file, dispute, statement, repair).
Run by the scheduled job (``credo jobs run``) over the checks package's inquiry log, so the
check's hot path pays nothing; each inquiry is noticed once (``dedupe_key``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.catalog.catalogue import Catalogue
from credo.notices import repository
from credo.notices.service import Notice, enqueue

ADVERSE_OUTCOMES = ("restricted", "review")
RIGHTS = (
    "You may get a free copy of everything the registry holds about you within 60 days, "
    "dispute any record (it has no effect while the dispute is open), file a 'not me' claim, "
    "attach your own statement to a record, and apply for credit repair where allowed. The "
    "registry did not take this decision: the relying party did."
)


def queue_adverse_decision_notices(
    conn: Connection, catalogue: Catalogue, now: datetime, limit: int = 5000
) -> int:
    inquiries = repository.unnoticed_adverse_inquiries(conn, ADVERSE_OUTCOMES, limit)
    enqueue(conn, [_notice(catalogue, inquiry) for inquiry in inquiries], now)
    return len(inquiries)


def _notice(catalogue: Catalogue, inquiry: RowMapping) -> Notice:
    party = catalogue.relying_parties.get(inquiry["relying_party_id"])
    who = party.name.en if party else inquiry["relying_party_id"]
    measures = [_measure(catalogue, m) for m in _measure_ids(inquiry["measures"])]
    lines = "\n".join(f"- {m['name']} ({m['legal_basis']})" for m in measures)
    return Notice(
        "subject",
        str(inquiry["subject_id"]),
        "adverse_decision",
        f"{who} checked your file and the registry reported measures against you",
        f"On {inquiry['at']}, {who} checked your file for the purpose "
        f"'{inquiry['purpose']}' (decision {inquiry['id']}). The registry reported:\n{lines}\n\n"
        f"{RIGHTS}",
        subject_id=inquiry["subject_id"],
        payload={
            "decision_id": inquiry["id"],
            "relying_party_id": inquiry["relying_party_id"],
            "purpose": inquiry["purpose"],
            "outcome": inquiry["outcome"],
            "measures": measures,
        },
        dedupe_key=f"adverse:{inquiry['id']}",
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


def _measure(catalogue: Catalogue, measure_id: str) -> dict[str, str]:
    measure = catalogue.measures.get(measure_id)
    if measure is None:
        return {"id": measure_id, "name": measure_id, "legal_basis": "see the catalogue"}
    basis = f"{measure.legal_basis.instrument}, {measure.legal_basis.article}"
    return {"id": measure_id, "name": measure.name.en, "legal_basis": basis}
