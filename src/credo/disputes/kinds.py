"""The three kinds of case that run the one workflow in credo.disputes.cases. They differ only
in the data below: what the subject claims, who decides, how a case may end (the resolution
schema), its deadline under the profile, what suspends or ends the record's effect, the
notices each transition sends and what the audit log calls it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, get_args

from sqlalchemy import Connection, RowMapping

from credo.catalog.models import Profile
from credo.disputes import case_notices
from credo.disputes.targets import application_chains
from credo.notices.reader import Reader
from credo.notices.service import Notice
from credo.records.queries import CurrentRecord
from credo.records.service import WriteContext

Case = RowMapping
LodgedNotices = Callable[
    [Connection, WriteContext, Case, list[CurrentRecord], datetime], list[Notice]
]
CaseNotices = Callable[[Connection, WriteContext, Case, datetime], list[Notice]]
# a run of the deadline job reads its subjects' languages at once, and hands each its reader
OverdueNotices = Callable[[Connection, WriteContext, Case, Reader, datetime], list[Notice]]

# Each kind of case ends in its own outcomes (the API's request schemas list exactly these).
DisputeOutcome = Literal["corrected", "deleted", "upheld", "frivolous"]
ClaimOutcome = Literal["confirmed", "rejected"]
RepairOutcome = Literal["approved", "rejected"]
UNVERIFIED = "unverified"  # how a dispute or claim ends when its deadline passes (G-27)


@dataclass(frozen=True)
class CaseKind:
    name: str
    claims: str  # what the subject claims
    decided_by: str  # who decides (the operators' desk that is told)
    store: str  # where its rows live (credo.disputes.repository.STORES)
    open_status: str  # the machine's one open state, as the store writes it
    outcomes: tuple[str, ...]
    needs_reasons: frozenset[str]  # outcomes that need written reasons (G-28)
    needs_correction: frozenset[str]  # outcomes that need the furnisher's correction first
    suppresses: Mapping[str, str]  # outcome -> suppression that ends the effect for good
    corrections: Mapping[str, str]  # outcome -> the change relying parties are told (G-30)
    suspends_while_open: bool  # the record has no effect while the case is open (G-20, G-26)
    lapses_to: str | None  # closed so by the scheduler at the deadline; None: flagged only
    deadline_days: Callable[[Profile], int]
    ref_prefix: str  # suppressions, feed rows and notice keys name a case "<prefix>:<id>"
    audit: Mapping[str, str]  # transition -> audit action; "{kind}", "{outcome}" filled in
    id_key: str  # the audit payload names the case so, with the ``logged`` columns
    logged: tuple[str, ...]
    chain_ids: Callable[[Connection, Case], list[str]]  # the chains its outcome acts on
    lodged_notices: LodgedNotices
    result_notices: CaseNotices
    overdue_notices: OverdueNotices | None = None

    def ref(self, case_id: int) -> str:
        return f"{self.ref_prefix}:{case_id}"

    def audit_action(self, transition: str, outcome: str) -> str:
        return self.audit[transition].format(kind=self.name, outcome=outcome)

    def logged_payload(self, case: Case) -> dict[str, Any]:
        return {self.id_key: case["id"], **{column: case[column] for column in self.logged}}


def _chain_of_dispute(conn: Connection, case: Case) -> list[str]:
    return [case["chain_id"]]


def _chains_of_application(conn: Connection, case: Case) -> list[str]:
    return [c.chain_id for c in application_chains(conn, case)]


def _dispute_kind(name: str, claims: str, outcomes: tuple[str, ...], removing: str) -> CaseKind:
    """A dispute or a "not me" claim: the same rules on the disputes table."""
    return CaseKind(
        name=name,
        claims=claims,
        decided_by="operator",
        store="disputes",
        open_status="open",
        outcomes=outcomes,
        needs_reasons=frozenset(outcomes) - {removing, "corrected"},
        needs_correction=frozenset({"corrected"}) & frozenset(outcomes),
        suppresses={removing: "deleted", UNVERIFIED: UNVERIFIED},
        corrections={
            o: o for o in (removing, "corrected", UNVERIFIED) if o in {*outcomes, UNVERIFIED}
        },
        suspends_while_open=True,
        lapses_to=UNVERIFIED,
        deadline_days=lambda profile: profile.dispute_deadline_days,
        ref_prefix="dispute",
        audit={"lodge": "{kind}.open", "resolve": "{kind}.resolve", "lapse": "{kind}.{outcome}"},
        id_key="dispute_id",
        logged=("kind", "chain_id", "status", "deadline_at"),
        chain_ids=_chain_of_dispute,
        lodged_notices=case_notices.dispute_lodged,
        result_notices=case_notices.dispute_result,
    )


DISPUTE = _dispute_kind(
    "dispute", "the record is wrong (G-26)", get_args(DisputeOutcome), removing="deleted"
)
IDENTITY_CLAIM = _dispute_kind(
    "identity_claim", "the record is not about me (G-20)", get_args(ClaimOutcome), "confirmed"
)
REPAIR = CaseKind(
    name="repair",
    claims="the conditions to end the effect early are met (G-42)",
    decided_by="repair_desk",
    store="repairs",
    open_status="pending",
    outcomes=get_args(RepairOutcome),
    needs_reasons=frozenset({"rejected"}),
    needs_correction=frozenset(),
    suppresses={"approved": "repaired"},
    corrections={"approved": "repaired"},
    suspends_while_open=False,
    lapses_to=None,
    deadline_days=lambda profile: profile.repair_decision_days,
    ref_prefix="repair",
    audit={"lodge": "repair.apply", "resolve": "repair.{outcome}", "overdue": "repair.overdue"},
    id_key="application_id",
    logged=("target_kind", "target_ref", "status"),
    chain_ids=_chains_of_application,
    lodged_notices=case_notices.repair_lodged,
    result_notices=case_notices.repair_result,
    overdue_notices=case_notices.repair_overdue,
)
KINDS: dict[str, CaseKind] = {k.name: k for k in (DISPUTE, IDENTITY_CLAIM, REPAIR)}
OUTCOMES: dict[str, tuple[str, ...]] = {k.name: k.outcomes for k in KINDS.values()}


def kind_of(store: str, case: Case) -> CaseKind:
    """The kind of a stored case: the disputes table says it; a repair table holds one."""
    return KINDS[case["kind"]] if store == "disputes" else REPAIR


def open_status_of(store: str) -> str:
    return next(k.open_status for k in KINDS.values() if k.store == store)
