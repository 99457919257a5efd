"""Credit repair (G-42, G-43): the subject applies, with proof, to end the effect of a record
or of a list entry once its minimum publicity period has passed; an operator decides within
the profile's deadline. Approval suppresses the records behind the target ('repaired'), so
the list entry and every measure it triggers end at once: entries and measures are derived
from effective records at check time, and the subject hooks refresh the stored state."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.disputes import cases, repository
from credo.disputes.kinds import REPAIR
from credo.disputes.targets import target_chains
from credo.errors import Conflict, ValidationFailed
from credo.records.eligibility import eligible_from
from credo.records.queries import CurrentRecord
from credo.records.service import WriteContext

TARGETS = ("record", "list_entry")


def apply(
    conn: Connection,
    ctx: WriteContext,
    subject_id: int,
    target_kind: str,
    target_ref: str,
    condition: str,
    proof: dict[str, Any],
) -> RowMapping:
    if target_kind not in TARGETS:
        raise ValidationFailed(f"target_kind must be one of {', '.join(TARGETS)}")
    if not proof:
        raise ValidationFailed(
            "an application needs proof (e.g. the payment or performance record)"
        )
    chains = target_chains(conn, subject_id, target_kind, target_ref)
    _check_eligible(ctx, chains, condition)
    if target_kind == "record":  # one pending application per record, however it was named
        target_ref = chains[0].chain_id
    target = {"target_kind": target_kind, "target_ref": target_ref}
    if repository.open_case_on(conn, REPAIR.store, REPAIR.open_status, **target) is not None:
        raise Conflict("an application for this is already pending", code="already_applied")
    row = {"subject_id": subject_id, **target, "condition": condition, "proof": proof}
    return cases.lodge(conn, ctx, REPAIR, row, chains)


def _check_eligible(ctx: WriteContext, chains: list[CurrentRecord], condition: str) -> None:
    """Repairable types only, a declared condition, and not before the minimum period."""
    types = [ctx.catalogue.record_types[c.record_type] for c in chains]
    for record_type in types:
        if not record_type.repairable.allowed:
            raise ValidationFailed(
                f"{record_type.id} records cannot be repaired; they end at their term "
                "or when the issuing authority revokes them",
                code="not_repairable",
            )
    conditions = sorted({c for t in types for c in t.repairable.conditions})
    if condition not in conditions:
        raise ValidationFailed(
            f"the repair condition must be one of: {'; '.join(conditions)}",
            code="unknown_repair_condition",
            conditions=conditions,
        )
    eligible_on = max(
        eligible_from(t, c.effective_from) for t, c in zip(types, chains, strict=True)
    )
    if ctx.clock.today() < eligible_on:
        raise ValidationFailed(
            f"repair is possible from {eligible_on.isoformat()} (the minimum publicity period)",
            code="repair_not_yet_eligible",
            eligible_on=eligible_on.isoformat(),
        )


def decide(
    conn: Connection,
    ctx: WriteContext,
    application_id: int,
    approve: bool,
    reasons: str,
    actor: str,
) -> RowMapping:
    """Approval ends the effect of the target and its measures at once (G-42, G-43); a
    refusal needs written reasons."""
    outcome = "approved" if approve else "rejected"
    return cases.resolve(conn, ctx, REPAIR.store, application_id, outcome, reasons, actor)


def flag_overdue(conn: Connection, ctx: WriteContext) -> int:
    """Applications past their decision deadline: the operators and the subject are told."""
    return cases.pass_deadlines(conn, ctx, REPAIR.store)
