"""Credit repair (G-42, G-43): the subject applies, with proof, to end the effect of a record
or of a list entry once its minimum publicity period has passed; an operator decides within
the profile's deadline. Approval suppresses the records behind the target ('repaired'), so
the list entry and every measure it triggers end at once: entries and measures are derived
from effective records at check time, and the subject hooks refresh the stored state."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.catalog.catalogue import Catalogue
from credo.disputes import peers, repair_texts, repository
from credo.disputes.effects import effect_changed, log, send_corrections
from credo.disputes.eligibility import eligible_from
from credo.errors import Conflict, NotFound, ValidationFailed
from credo.notices.reader import Reader, reader_of, readers_of
from credo.notices.service import Notice, add_business_days, enqueue
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
    chains = _target_chains(conn, subject_id, target_kind, target_ref)
    _check_eligible(ctx, chains, condition)
    if target_kind == "record":  # one pending application per record, however it was named
        target_ref = chains[0]["chain_id"]
    if repository.pending_repair_on(conn, target_kind, target_ref) is not None:
        raise Conflict("an application for this is already pending", code="already_applied")
    now = ctx.clock.now()
    application_id = repository.insert_repair(
        conn,
        {
            "subject_id": subject_id,
            "target_kind": target_kind,
            "target_ref": target_ref,
            "condition": condition,
            "proof": proof,
            "status": "pending",
            "applied_at": now,
            "deadline_at": now + timedelta(days=ctx.catalogue.profile.repair_decision_days),
        },
    )
    application = _get(conn, application_id)
    reader = reader_of(conn, ctx.catalogue, subject_id)
    enqueue(conn, _received_notices(reader, ctx.catalogue, application, chains), now)
    log(conn, f"subject:{subject_id}", "repair.apply", subject_id, _logged(application), now)
    return application


def _target_chains(
    conn: Connection, subject_id: int, target_kind: str, target_ref: str
) -> list[RowMapping]:
    """The current views of the records behind the target, only if they are the subject's."""
    if target_kind == "record":
        chain_ids = [target_ref]
    else:
        found = peers.chains_of_list_entry(conn, target_ref, subject_id)
        if not found:
            raise NotFound(f"no list entry {target_ref!r} in your file")
        chain_ids = found
    chains = [repository.chain_of_subject(conn, subject_id, ref) for ref in chain_ids]
    present = [c for c in chains if c is not None]
    if not present:
        raise NotFound(f"no record {target_ref!r} in your file")
    return present


def _check_eligible(ctx: WriteContext, chains: list[RowMapping], condition: str) -> None:
    """Repairable types only, a declared condition, and not before the minimum period."""
    types = [ctx.catalogue.record_types[c["record_type"]] for c in chains]
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
        eligible_from(t, c["effective_from"]) for t, c in zip(types, chains, strict=True)
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
    application = _get(conn, application_id)
    if application["status"] != "pending":
        raise Conflict(f"application {application_id} is already {application['status']}")
    if not approve and len(reasons.strip()) < 10:
        raise ValidationFailed(
            "a refusal needs written reasons for the subject", code="reasons_required"
        )
    now = ctx.clock.now()
    status = "approved" if approve else "rejected"
    repository.update_repair(
        conn,
        application_id,
        {"status": status, "decided_at": now, "decided_by": actor, "reasons": reasons or None},
    )
    if approve:
        _end_effects(conn, ctx, application, now)
    decided = _get(conn, application_id)
    enqueue(conn, [_decision_notice(conn, ctx, decided, now)], now)
    log(conn, actor, f"repair.{status}", application["subject_id"], _logged(decided), now)
    return decided


def _end_effects(
    conn: Connection, ctx: WriteContext, application: RowMapping, now: datetime
) -> None:
    subject_id = application["subject_id"]
    chains = _target_chains(conn, subject_id, application["target_kind"], application["target_ref"])
    ref = f"repair:{application['id']}"
    chain_ids = [c["chain_id"] for c in chains]
    for chain_id in chain_ids:
        repository.open_suppression(conn, chain_id, subject_id, "repaired", ref, now)
    effect_changed(conn, ctx, {subject_id}, "repair", ref, now)
    send_corrections(conn, ctx, subject_id, chain_ids, "repaired", now)


def flag_overdue(conn: Connection, ctx: WriteContext) -> int:
    """Applications past their decision deadline: the operators and the subject are told."""
    now = ctx.clock.now()
    overdue = repository.overdue_repairs(conn, now)
    readers = readers_of(conn, ctx.catalogue, (a["subject_id"] for a in overdue))
    for application in overdue:
        repository.update_repair(conn, application["id"], {"overdue_flagged_at": now})
        reader = readers[application["subject_id"]]
        chains = _chains_named(conn, application)
        enqueue(conn, _overdue_notices(reader, ctx.catalogue, application, chains), now)
        log(
            conn,
            "scheduler",
            "repair.overdue",
            application["subject_id"],
            _logged(application),
            now,
        )
    return len(overdue)


def _get(conn: Connection, application_id: int) -> RowMapping:
    application = repository.get_repair(conn, application_id)
    if application is None:
        raise NotFound(f"no repair application {application_id}")
    return application


def _chains_named(conn: Connection, application: RowMapping) -> list[RowMapping]:
    """The records an application is about, to name them in its notices (none if gone)."""
    try:
        return _target_chains(
            conn, application["subject_id"], application["target_kind"], application["target_ref"]
        )
    except NotFound:
        return []


def _logged(application: RowMapping) -> dict[str, Any]:
    return {
        "application_id": application["id"],
        "target_kind": application["target_kind"],
        "target_ref": application["target_ref"],
        "status": application["status"],
    }


def _received_notices(
    reader: Reader, catalogue: Catalogue, application: RowMapping, chains: list[RowMapping]
) -> list[Notice]:
    key = f"repair:{application['id']}"
    title, body = repair_texts.received(reader, catalogue, application, chains)
    return [
        Notice(
            "operator",
            "repair_desk",
            "repair_application",
            f"Repair application {application['id']} to decide",
            f"Decide by {application['deadline_at']}: {application['target_kind']} "
            f"{application['target_ref']}, condition {application['condition']!r}.",
            subject_id=application["subject_id"],
            payload={"application_id": application["id"]},
            due_by=application["deadline_at"],
            dedupe_key=f"{key}:operator",
        ),
        Notice(
            "subject",
            str(application["subject_id"]),
            "repair_received",
            title,
            body,
            subject_id=application["subject_id"],
            payload={"application_id": application["id"]},
            dedupe_key=f"{key}:received",
        ),
    ]


def _decision_notice(
    conn: Connection, ctx: WriteContext, application: RowMapping, now: datetime
) -> Notice:
    """In plain words and the subject's language (credo.disputes.repair_texts)."""
    reader = reader_of(conn, ctx.catalogue, application["subject_id"])
    chains = _chains_named(conn, application)
    title, body = repair_texts.decision(reader, ctx.catalogue, application, chains)
    return Notice(
        "subject",
        str(application["subject_id"]),
        "repair_decision",
        title,
        body,
        subject_id=application["subject_id"],
        payload={"application_id": application["id"], "status": application["status"]},
        due_by=add_business_days(now, ctx.catalogue.profile.result_notice_business_days),
        dedupe_key=f"repair:{application['id']}:decision",
    )


def _overdue_notices(
    reader: Reader, catalogue: Catalogue, application: RowMapping, chains: list[RowMapping]
) -> list[Notice]:
    key = f"repair:{application['id']}:overdue"
    title, body = repair_texts.overdue(reader, catalogue, application, chains)
    text = (
        f"Repair application {application['id']} was not decided by its deadline "
        f"{application['deadline_at']}."
    )
    return [
        Notice(
            "operator",
            "repair_desk",
            "repair_overdue",
            f"Overdue: repair application {application['id']}",
            text,
            subject_id=application["subject_id"],
            dedupe_key=f"{key}:operator",
        ),
        Notice(
            "subject",
            str(application["subject_id"]),
            "repair_overdue",
            title,
            body,
            subject_id=application["subject_id"],
            dedupe_key=f"{key}:subject",
        ),
    ]
