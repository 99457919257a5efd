"""Disputes (G-26..G-29), objections (G-33), "not me" identity claims (G-20) and subject
statements (G-32).

Disputes and claims are cases of the one workflow in credo.disputes.cases (kinds in
credo.disputes.kinds): lodging one opens a suppression on the record at once, so the record
has no effect anywhere (``effective_records`` and the list engine skip suppressed chains)
until it is resolved; past the deadline it is unverified (G-27). This module checks what is
lodged and adds what only disputes have: more information, and the subject's statements."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, RowMapping

from credo.disputes import cases, repository
from credo.disputes.effects import log
from credo.disputes.kinds import KINDS as CASE_KINDS
from credo.disputes.kinds import UNVERIFIED, ClaimOutcome, DisputeOutcome
from credo.disputes.targets import chain_of
from credo.errors import Conflict, NotFound, ValidationFailed
from credo.quality.service import DisputeCounts
from credo.records.queries import statement_texts
from credo.records.service import WriteContext, add_subject_statement

__all__ = ["ClaimOutcome", "DisputeOutcome"]  # the API's resolution schemas name them

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
OUTCOMES: dict[str, tuple[str, ...]] = {k: CASE_KINDS[k].outcomes for k in KINDS}
MAX_GROUNDS = 4000
MAX_STATEMENT = 1000


def status_now(dispute: RowMapping, now: datetime) -> str:
    """The dispute's status as it stands, even before the job has recorded an overdue one."""
    return cases.status_now(CASE_KINDS[dispute["kind"]], dispute, now)


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
    chain = chain_of(conn, subject_id, record_ref)
    if repository.open_case_on(conn, "disputes", "open", chain_id=chain.chain_id, kind=kind):
        raise Conflict(
            f"this record already has an open {kind.replace('_', ' ')}; add information to it "
            "instead of lodging a new one",
            code="already_disputed",
        )
    row = {
        "kind": kind,
        "subject_id": subject_id,
        "chain_id": chain.chain_id,
        "record_id": chain.record_id,
        "furnisher_id": chain.furnisher_id,
        "category": "identity" if kind == "identity_claim" else category,
        "grounds": grounds.strip(),
        "evidence": evidence or {},
        "extended": False,
    }
    return cases.lodge(conn, ctx, CASE_KINDS[kind], row, [chain])


def _check_lodging(kind: str, category: str, grounds: str) -> None:
    if kind not in KINDS:
        raise ValidationFailed(f"kind must be one of {', '.join(KINDS)}")
    if category not in CATEGORIES:
        raise ValidationFailed(f"category must be one of {', '.join(CATEGORIES)}")
    if not grounds.strip():
        raise ValidationFailed("say why the record is wrong (grounds)")
    if len(grounds) > MAX_GROUNDS:
        raise ValidationFailed(f"grounds are limited to {MAX_GROUNDS} characters")


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
    return cases.resolve(conn, ctx, "disputes", dispute_id, outcome, reasons, actor, kind)


def add_information(
    conn: Connection,
    ctx: WriteContext,
    subject_id: int,
    dispute_id: int,
    information: dict[str, Any],
) -> RowMapping:
    """New information from the subject; extends the deadline once where the profile allows
    (US-FCRA: 15 days), never after it has passed."""
    dispute = cases.get(conn, "disputes", dispute_id)
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
    repository.update_case(conn, "disputes", dispute_id, values)
    updated = cases.get(conn, "disputes", dispute_id)
    payload = CASE_KINDS[updated["kind"]].logged_payload(updated)
    log(conn, f"subject:{subject_id}", "dispute.information", subject_id, payload, now)
    return updated


def expire_overdue(conn: Connection, ctx: WriteContext) -> int:
    """The scheduled half of G-27: overdue disputes end as unverified, the record stays
    without effect under an 'unverified' suppression, relying parties get corrections."""
    return cases.pass_deadlines(conn, ctx, "disputes")


def attach_statement(
    conn: Connection, ctx: WriteContext, subject_id: int, record_ref: str, text: str
) -> int:
    """The subject's own words, returned with the record wherever it is used (G-32)."""
    if not text.strip():
        raise ValidationFailed("the statement is empty")
    if len(text) > MAX_STATEMENT:
        raise ValidationFailed(f"a statement is limited to {MAX_STATEMENT} characters")
    chain = chain_of(conn, subject_id, record_ref)
    now = ctx.clock.now()
    statement_id = add_subject_statement(conn, subject_id, chain.chain_id, text.strip(), now)
    payload = {"statement_id": statement_id, "chain_id": chain.chain_id}
    log(conn, f"subject:{subject_id}", "statement.attach", subject_id, payload, now)
    return statement_id


def statements_for(conn: Connection, chain_ids: list[str]) -> dict[str, list[str]]:
    """For decisions (credo.checks): the subject statements of each record chain (G-32)."""
    return {chain_id: list(texts) for chain_id, texts in statement_texts(conn, chain_ids).items()}


# Outcomes that go against the furnisher's record: corrected, deleted, "not me" confirmed, or
# left unverified past the deadline (G-27).
OVERTURNED = ("corrected", "deleted", "confirmed", UNVERIFIED)


def quality_counts(
    conn: Connection, start: datetime, end: datetime, not_before: Mapping[str, datetime]
) -> dict[str, DisputeCounts]:
    """Each furnisher's disputes in the window, for its quality rates (G-49): the
    ``DisputeCounter`` that the jobs runner passes to ``credo.quality.service.evaluate``."""
    found = repository.quality_counts(conn, start, end, dict(not_before), OVERTURNED)
    return {furnisher_id: DisputeCounts(*counts) for furnisher_id, counts in found.items()}
