"""Disputes (G-26..G-29), objections (G-33), "not me" identity claims (G-20) and subject
statements (G-32).

Lodging a dispute or claim opens a suppression on the record at once, so the record has no
effect anywhere (``effective_records`` and the list engine skip suppressed chains). The
suppression stays open until the dispute is resolved. Past the deadline, an outcome that
would give the record its effect back is refused: an overdue dispute is unverified whether
or not the scheduled job has run yet (G-27); the job then records it as such."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal, get_args

from sqlalchemy import Connection, RowMapping

from credo.catalog.catalogue import Catalogue
from credo.disputes import notice_texts, repository
from credo.disputes.effects import effect_changed, log, send_corrections
from credo.disputes.repair import eligible_from
from credo.errors import Conflict, NotFound, ValidationFailed
from credo.notices.reader import Reader, pick, reader_of
from credo.notices.service import Notice, add_business_days, enqueue
from credo.records import repository as records_repo
from credo.records.service import WriteContext

KINDS = ("dispute", "identity_claim")
CATEGORIES = (
    "accuracy",
    "completeness",
    "identity",
    "finality",
    "expiry",
    "applicability",
    "merits",
    # G-33: an objection on grounds of the subject's particular situation (GDPR Art. 21(1)):
    # the record is restricted at once like any dispute; keeping it ('upheld') needs a written
    # assessment of compelling legitimate grounds (the reasons, G-28), and a successful
    # objection ends as 'deleted' (erasure).
    "objection",
)
# Each kind of case ends in its own outcomes (the API's request schema lists exactly these).
DisputeOutcome = Literal["corrected", "deleted", "upheld", "frivolous"]
ClaimOutcome = Literal["confirmed", "rejected"]
OUTCOMES: dict[str, tuple[str, ...]] = {
    "dispute": get_args(DisputeOutcome),
    "identity_claim": get_args(ClaimOutcome),
}
# Outcomes that give the record its effect back: they need reasons (G-28) and a deadline
# that has not passed (G-27).
RESTORING = frozenset({"corrected", "upheld", "frivolous", "rejected"})
REMOVING = frozenset({"deleted", "confirmed"})
MAX_GROUNDS = 4000
MAX_STATEMENT = 1000


def status_now(dispute: RowMapping, now: datetime) -> str:
    """The dispute's status as it stands, even before the job has recorded an overdue one."""
    if dispute["status"] == "open" and _as_aware(dispute["deadline_at"]) <= now:
        return "unverified"
    return str(dispute["status"])


def _as_aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def open_dispute(
    conn: Connection,
    ctx: WriteContext,
    subject_id: int,
    record_ref: str,
    grounds: str,
    *,
    kind: str = "dispute",
    category: str = "accuracy",
    evidence: dict[str, Any] | None = None,
) -> RowMapping:
    """Lodge a dispute or "not me" claim: the record loses its effect in this transaction."""
    _check_lodging(kind, category, grounds)
    chain = _chain(conn, subject_id, record_ref)
    if repository.open_dispute_on(conn, chain["chain_id"], kind) is not None:
        raise Conflict(
            f"this record already has an open {kind.replace('_', ' ')}; add information to it "
            "instead of lodging a new one",
            code="already_disputed",
        )
    now = ctx.clock.now()
    deadline = now + timedelta(days=ctx.catalogue.profile.dispute_deadline_days)
    dispute_id = repository.insert_dispute(
        conn,
        {
            "kind": kind,
            "subject_id": subject_id,
            "chain_id": chain["chain_id"],
            "record_id": chain["record_id"],
            "furnisher_id": chain["furnisher_id"],
            "category": "identity" if kind == "identity_claim" else category,
            "grounds": grounds.strip(),
            "evidence": evidence or {},
            "status": "open",
            "opened_at": now,
            "deadline_at": deadline,
            "extended": False,
        },
    )
    repository.open_suppression(conn, chain["chain_id"], subject_id, kind, _ref(dispute_id), now)
    effect_changed(conn, ctx, {subject_id}, "dispute", _ref(dispute_id), now)
    dispute = _get(conn, dispute_id)
    enqueue(conn, _lodged_notices(conn, ctx, dispute, chain, now), now)
    log(conn, f"subject:{subject_id}", f"{kind}.open", subject_id, _logged(dispute), now)
    return dispute


def _check_lodging(kind: str, category: str, grounds: str) -> None:
    if kind not in KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}")
    if category not in CATEGORIES:
        raise ValidationFailed(f"category must be one of {', '.join(CATEGORIES)}")
    if not grounds.strip():
        raise ValidationFailed("say why the record is wrong (grounds)")
    if len(grounds) > MAX_GROUNDS:
        raise ValidationFailed(f"grounds are limited to {MAX_GROUNDS} characters")


def _chain(conn: Connection, subject_id: int, record_ref: str) -> RowMapping:
    chain = repository.chain_of_subject(conn, subject_id, record_ref)
    if chain is None:  # another subject's record is "not found", never "forbidden"
        raise NotFound(f"no record {record_ref!r} in your file")
    return chain


def _ref(dispute_id: int) -> str:
    return f"dispute:{dispute_id}"


def _get(conn: Connection, dispute_id: int) -> RowMapping:
    dispute = repository.get_dispute(conn, dispute_id)
    if dispute is None:
        raise NotFound(f"no dispute {dispute_id}")
    return dispute


def _logged(dispute: RowMapping) -> dict[str, Any]:
    return {
        "dispute_id": dispute["id"],
        "kind": dispute["kind"],
        "chain_id": dispute["chain_id"],
        "status": dispute["status"],
        "deadline_at": dispute["deadline_at"],
    }


def _lodged_notices(
    conn: Connection, ctx: WriteContext, dispute: RowMapping, chain: RowMapping, now: datetime
) -> list[Notice]:
    profile = ctx.catalogue.profile
    reader = reader_of(conn, ctx.catalogue, dispute["subject_id"])
    title, body = notice_texts.received(reader, ctx.catalogue, dispute, chain, now)
    what = "dispute" if dispute["kind"] == "dispute" else '"not me" identity claim'
    key = _ref(dispute["id"])
    notices = [
        Notice(
            "furnisher",
            dispute["furnisher_id"],
            f"{dispute['kind']}_lodged",
            f"A {what} about your record {chain['source_ref']}",
            f"The subject lodged a {what} ({dispute['category']}) about record "
            f"{chain['source_ref']} ({chain['record_type']}). Grounds: {dispute['grounds']}\n"
            f"Evidence supplied: {dispute['evidence']}\nThe record has no effect until the "
            f"{what} is resolved. Verify or correct it by {dispute['deadline_at']}; an "
            "unverified record is treated as unverified and stays without effect (G-27).",
            subject_id=dispute["subject_id"],
            payload={"dispute_id": dispute["id"], "chain_id": dispute["chain_id"]},
            due_by=add_business_days(now, profile.furnisher_notice_business_days),
            dedupe_key=f"{key}:furnisher",
        ),
        Notice(
            "subject",
            str(dispute["subject_id"]),
            f"{dispute['kind']}_received",
            title,
            body,
            subject_id=dispute["subject_id"],
            payload={"dispute_id": dispute["id"], "language": reader.lang},
            dedupe_key=f"{key}:received",
        ),
    ]
    if dispute["category"] == "merits":
        notices.append(_referral(ctx, reader, dispute, chain))
    return notices


def _referral(ctx: WriteContext, reader: Reader, dispute: RowMapping, chain: RowMapping) -> Notice:
    """A dispute on the merits of a decision goes to the body that made it (G-29)."""
    record_type = ctx.catalogue.record_types.get(chain["record_type"])
    furnisher = ctx.catalogue.furnishers.get(chain["furnisher_id"])
    basis = (
        reader.words.legal_basis("record_types", record_type.id, record_type.legal_basis).instrument
        if record_type
        else pick(reader, "the issuing authority's rules", "作出决定机关的规定")
    )
    issuer = (
        notice_texts.reader_pick_text(reader, furnisher.name)
        if furnisher
        else chain["furnisher_id"]
    )
    title, body = notice_texts.referral(reader, ctx.catalogue, chain, issuer, basis)
    return Notice(
        "subject",
        str(dispute["subject_id"]),
        "dispute_referral",
        title,
        body,
        subject_id=dispute["subject_id"],
        payload={"dispute_id": dispute["id"], "appeal_to": issuer, "legal_basis": basis},
        dedupe_key=f"{_ref(dispute['id'])}:referral",
    )


def resolve(
    conn: Connection,
    ctx: WriteContext,
    dispute_id: int,
    outcome: str,
    reasons: str,
    actor: str,
    kind: str | None = None,
) -> RowMapping:
    """Close a dispute or claim with an outcome; restoring outcomes need reasons (G-28).
    ``kind``: the kind of case the caller means to close (refused if it is another)."""
    dispute = _get(conn, dispute_id)
    now = ctx.clock.now()
    if kind is not None and kind != dispute["kind"]:
        raise ValidationFailed(
            f"case {dispute_id} is a {dispute['kind']}, not a {kind}: it ends as one of "
            f"{', '.join(OUTCOMES[dispute['kind']])} (kind {dispute['kind']!r})",
            code="wrong_case_kind",
        )
    _check_outcome(conn, dispute, outcome, reasons, now)
    ref = _ref(dispute_id)
    repository.close_suppressions(conn, ref, now)
    if outcome in REMOVING:
        repository.open_suppression(
            conn, dispute["chain_id"], dispute["subject_id"], "deleted", ref, now
        )
    repository.update_dispute(
        conn,
        dispute_id,
        {"status": outcome, "resolved_at": now, "resolved_by": actor, "reasons": reasons or None},
    )
    effect_changed(conn, ctx, {dispute["subject_id"]}, "dispute", ref, now)
    if outcome in {"corrected", "deleted", "confirmed"}:
        send_corrections(conn, ctx, dispute["subject_id"], [dispute["chain_id"]], outcome, now)
    resolved = _get(conn, dispute_id)
    enqueue(conn, [_result_notice(conn, ctx, resolved, now)], now)
    log(conn, actor, f"{dispute['kind']}.resolve", dispute["subject_id"], _logged(resolved), now)
    return resolved


def _check_outcome(
    conn: Connection, dispute: RowMapping, outcome: str, reasons: str, now: datetime
) -> None:
    if dispute["status"] != "open":
        raise Conflict(f"dispute {dispute['id']} is already {dispute['status']}")
    allowed = OUTCOMES[dispute["kind"]]
    if outcome not in allowed:
        raise ValidationFailed(f"a {dispute['kind']} ends as one of: {', '.join(allowed)}")
    if outcome in RESTORING - {"corrected"} and len(reasons.strip()) < 10:
        raise ValidationFailed(
            f"closing as {outcome!r} needs written reasons for the subject (G-28)",
            code="reasons_required",
        )
    if outcome in RESTORING and status_now(dispute, now) == "unverified":
        raise Conflict(
            f"the deadline {dispute['deadline_at']} has passed: the record is unverified and "
            "stays without effect; only 'deleted' or 'confirmed' can still be recorded (G-27)",
            code="dispute_deadline_passed",
        )
    if outcome == "corrected" and not repository.statements_after(
        conn, dispute["chain_id"], dispute["opened_at"]
    ):
        raise Conflict(
            "no correction of this record has arrived since the dispute was lodged; the "
            "furnisher sends it through the records API first",
            code="correction_missing",
        )


def _result_notice(
    conn: Connection, ctx: WriteContext, dispute: RowMapping, now: datetime
) -> Notice:
    """The outcome in plain words, in the subject's language (credo.disputes.notice_texts)."""
    catalogue = ctx.catalogue
    reader = reader_of(conn, catalogue, dispute["subject_id"])
    chain = repository.chain_of_subject(conn, dispute["subject_id"], dispute["chain_id"])
    assert chain is not None  # a dispute's chain is its subject's (it was lodged on it)
    effects = notice_texts.effects_back(
        conn, catalogue, reader, dispute["subject_id"], dispute["chain_id"], now.date()
    )
    title, body = notice_texts.result(
        reader, catalogue, dispute, chain, effects, _repair_from(catalogue, chain)
    )
    return Notice(
        "subject",
        str(dispute["subject_id"]),
        f"{dispute['kind']}_result",
        title,
        body,
        subject_id=dispute["subject_id"],
        payload={
            "dispute_id": dispute["id"],
            "outcome": dispute["status"],
            "source_ref": chain["source_ref"],
            "language": reader.lang,
            "effects_back": [e.list_name for e in effects],
        },
        due_by=add_business_days(now, ctx.catalogue.profile.result_notice_business_days),
        dedupe_key=f"{_ref(dispute['id'])}:result",
    )


def _repair_from(catalogue: Catalogue, chain: RowMapping) -> date | None:
    record_type = catalogue.record_types.get(chain["record_type"])
    if record_type is None or not record_type.repairable.allowed:
        return None
    return eligible_from(record_type, chain["effective_from"])


def add_information(
    conn: Connection,
    ctx: WriteContext,
    subject_id: int,
    dispute_id: int,
    information: dict[str, Any],
) -> RowMapping:
    """New information from the subject; extends the deadline once where the profile allows
    (US-FCRA: 15 days), never after it has passed."""
    dispute = _get(conn, dispute_id)
    now = ctx.clock.now()
    if dispute["subject_id"] != subject_id:
        raise NotFound(f"no dispute {dispute_id} of yours")
    if status_now(dispute, now) != "open":
        raise Conflict(f"dispute {dispute_id} is {status_now(dispute, now)}")
    extension = ctx.catalogue.profile.dispute_extension_days
    values: dict[str, Any] = {"evidence": {**(dispute["evidence"] or {}), **information}}
    if extension and not dispute["extended"]:
        values |= {"deadline_at": dispute["deadline_at"] + timedelta(days=extension)}
        values |= {"extended": True}
    repository.update_dispute(conn, dispute_id, values)
    updated = _get(conn, dispute_id)
    log(conn, f"subject:{subject_id}", "dispute.information", subject_id, _logged(updated), now)
    return updated


def expire_overdue(conn: Connection, ctx: WriteContext) -> int:
    """The scheduled half of G-27: overdue disputes end as unverified, the record stays
    without effect under an 'unverified' suppression, relying parties get corrections."""
    now = ctx.clock.now()
    overdue = repository.overdue_disputes(conn, now)
    for dispute in overdue:
        ref = _ref(dispute["id"])
        repository.close_suppressions(conn, ref, now)
        repository.open_suppression(
            conn, dispute["chain_id"], dispute["subject_id"], "unverified", ref, now
        )
        repository.update_dispute(
            conn,
            dispute["id"],
            {
                "status": "unverified",
                "resolved_at": now,
                "resolved_by": "scheduler",
                "reasons": "not verified by the deadline (G-27)",
            },
        )
        send_corrections(conn, ctx, dispute["subject_id"], [dispute["chain_id"]], "unverified", now)
        resolved = _get(conn, dispute["id"])
        enqueue(conn, [_result_notice(conn, ctx, resolved, now)], now)
        log(
            conn,
            "scheduler",
            f"{dispute['kind']}.unverified",
            dispute["subject_id"],
            _logged(resolved),
            now,
        )
    if overdue:
        effect_changed(conn, ctx, {d["subject_id"] for d in overdue}, "dispute", "deadline", now)
    return len(overdue)


def attach_statement(
    conn: Connection, ctx: WriteContext, subject_id: int, record_ref: str, text: str
) -> int:
    """The subject's own words, returned with the record wherever it is used (G-32)."""
    if not text.strip():
        raise ValidationFailed("the statement is empty")
    if len(text) > MAX_STATEMENT:
        raise ValidationFailed(f"a statement is limited to {MAX_STATEMENT} characters")
    chain = _chain(conn, subject_id, record_ref)
    now = ctx.clock.now()
    statement_id = repository.insert_statement(
        conn,
        {
            "subject_id": subject_id,
            "chain_id": chain["chain_id"],
            "text": text.strip(),
            "created_at": now,
        },
    )
    payload = {"statement_id": statement_id, "chain_id": chain["chain_id"]}
    log(conn, f"subject:{subject_id}", "statement.attach", subject_id, payload, now)
    # Decisions carry the statement from now on: tell every worker's check index.
    records_repo.append_feed(
        conn,
        [
            {
                "subject_id": subject_id,
                "kind": "statement",
                "ref": str(statement_id),
                "created_at": now,
            }
        ],
    )
    return statement_id


def statements_for(conn: Connection, chain_ids: list[str]) -> dict[str, list[str]]:
    """For decisions (credo.checks): the subject statements of each record chain (G-32)."""
    return {
        chain_id: [row["text"] for row in rows]
        for chain_id, rows in repository.statements_of_chains(conn, chain_ids).items()
    }
