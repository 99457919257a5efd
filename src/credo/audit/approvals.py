"""Second approver for catalogue changes (G-48): an operator proposes, a different operator
approves or rejects, and both steps are in the audit log. The catalogue itself is YAML under
version control; an approved proposal is the recorded authorisation to publish it.

A change is proposed with its simulation (``credo simulate``'s JSON): stored with the change,
its SHA-256 in the proposal's audit entry, shown to the approver in the operator console;
``credo catalog activate`` refuses a change without a current one (credo.governance)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.audit import repository
from credo.audit.service import append
from credo.errors import Conflict, Forbidden, NotFound, ValidationFailed

# Given the new change's id, stores its assessment and returns what the proposal's audit entry
# records of it (``credo.governance.service.simulation_assessment`` makes one for a simulation).
Assess = Callable[[int], Mapping[str, Any]]


@dataclass(frozen=True, slots=True)
class CatalogueChange:
    id: int
    title: str
    change: dict[str, Any]
    impact_assessment_ref: str
    status: str  # proposed | approved | rejected | activated
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reasons: str | None


def propose(
    conn: Connection,
    actor: str,
    title: str,
    change: dict[str, Any],
    impact_assessment_ref: str,
    at: datetime,
    assess: Assess | None = None,
) -> int:
    """Record a proposal and its audit entry; ``assess`` stores the change's assessment in the
    same transaction, and its answer goes into the entry."""
    if not impact_assessment_ref.strip():
        raise ValidationFailed("a catalogue change needs an impact assessment reference (G-48)")
    if not title.strip():
        raise ValidationFailed("a catalogue change needs a title")
    change_id = repository.insert_change(
        conn,
        {
            "title": title,
            "change": change,
            "impact_assessment_ref": impact_assessment_ref,
            "status": "proposed",
            "proposed_by": actor,
            "proposed_at": at,
        },
    )
    logged = _logged(change_id, title)
    if assess is not None:
        logged["simulation"] = dict(assess(change_id))
    append(conn, f"operator:{actor}", "catalogue.propose", None, logged, at)
    return change_id


def decide(
    conn: Connection, change_id: int, actor: str, approve: bool, reasons: str, at: datetime
) -> CatalogueChange:
    """Approve or reject a proposal; the author can never decide their own (G-48)."""
    proposal = repository.get_change(conn, change_id)
    if proposal is None:
        raise NotFound(f"no catalogue change {change_id}")
    if proposal["status"] != "proposed":
        raise Conflict(f"catalogue change {change_id} is already {proposal['status']}")
    if proposal["proposed_by"] == actor:
        raise Forbidden(
            "the author of a catalogue change cannot approve or reject it; "
            "a second operator must decide (G-48)",
            code="second_approver_required",
        )
    if not approve and not reasons.strip():
        raise ValidationFailed("a rejection needs reasons")
    status = "approved" if approve else "rejected"
    repository.decide_change(
        conn,
        change_id,
        {"status": status, "decided_by": actor, "decided_at": at, "reasons": reasons or None},
    )
    payload = {**_logged(change_id, proposal["title"]), "author": proposal["proposed_by"]}
    action = "catalogue.approve" if approve else "catalogue.reject"
    append(conn, f"operator:{actor}", action, None, payload, at)
    decided = get_change(conn, change_id)
    assert decided is not None
    return decided


def get_change(conn: Connection, change_id: int) -> CatalogueChange | None:
    row = repository.get_change(conn, change_id)
    return None if row is None else _change(row)


def changes(conn: Connection, status: str | None = None) -> list[CatalogueChange]:
    """Every catalogue change (of ``status`` only, when given), oldest first."""
    return [_change(row) for row in repository.changes(conn, status)]


def mark_activated(conn: Connection, change_id: int) -> None:
    """An approved change went live (``credo.governance.service.activate``)."""
    repository.decide_change(conn, change_id, {"status": "activated"})


def _change(row: RowMapping) -> CatalogueChange:
    return CatalogueChange(**{f.name: row[f.name] for f in fields(CatalogueChange)})


def _logged(change_id: int, title: str) -> dict[str, Any]:
    return {"change_id": change_id, "title": title}
