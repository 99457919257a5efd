"""A hypothesis property over random sequences of steps of the one case workflow
(credo.disputes.cases) on one record, for all three kinds of case: lodge a dispute, a "not
me" claim or a repair application, resolve the oldest open case with any outcome of any kind
(with or without reasons), let days pass, run the scheduled job.

The model below states the rules on its own, not by asking the machine: which lodging and
which outcome the machine must accept (one open case per kind and record; the kind's own
outcomes; reasons for outcomes that keep the record, G-28; no restoring outcome of a
dispute or claim past its deadline, G-27; 'corrected' only after a correction, which never
comes here), and that the record has effect exactly when no dispute or claim is open (G-20,
G-26) and no case ever ended as deleted, confirmed, unverified (G-27, G-31) or approved
(G-42). The audit chain always verifies."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine

from credo.audit import service as audit
from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.catalog.models import FurnisherQuality
from credo.clock import FixedClock
from credo.disputes import cases, jobs, repair, service
from credo.errors import CredoError
from credo.records.service import WriteContext, chain_id_of
from credo.settings import DEMO_CATALOG
from harness.audited import AUDITED
from tests.disputes.conftest import Registry

# The record takes effect on 2026-03-01; repair is possible a year later (its minimum
# publicity period), and its effect lasts three years: every plan fits in between.
OCCURRED_ON = "2026-03-01"
AT_REPAIR = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)
KINDS = ("dispute", "identity_claim", "repair")
OUTCOMES = {
    "dispute": ("corrected", "deleted", "upheld", "frivolous"),
    "identity_claim": ("confirmed", "rejected"),
    "repair": ("approved", "rejected"),
}
NEED_REASONS = {"upheld", "frivolous", "rejected"}  # every outcome that keeps the record
ENDS_EFFECT = {"deleted", "confirmed", "approved"}
SUSPENDING = {"dispute", "identity_claim"}  # open, they keep the record without effect
ANY_OUTCOME = sorted({o for outcomes in OUTCOMES.values() for o in outcomes})
steps = st.lists(
    st.one_of(
        st.tuples(st.just("lodge"), st.sampled_from(KINDS)),
        st.tuples(st.just("resolve"), st.sampled_from(ANY_OUTCOME), st.booleans()),
        st.tuples(st.just("wait"), st.integers(1, 25)),
        st.tuples(st.just("job")),
    ),
    max_size=8,
)


@dataclass
class Open:
    kind: str
    case_id: int
    deadline: float  # the day it falls due


@dataclass
class Model:
    """What the rules say the record's state should be."""

    open: list[Open] = field(default_factory=list)
    gone: bool = False  # deleted, confirmed, unverified or repaired: never comes back
    day: float = 0.0

    def has_effect(self) -> bool:
        return not self.gone and not any(c.kind in SUSPENDING for c in self.open)

    def may_resolve(self, case: Open, outcome: str, reasons: bool) -> bool:
        late = case.kind in SUSPENDING and self.day >= case.deadline
        return (
            outcome in OUTCOMES[case.kind]
            and (reasons or outcome not in NEED_REASONS)
            and not (late and outcome not in ENDS_EFFECT)
            and outcome != "corrected"
        )


_counter = iter(range(10**6))


@pytest.fixture
def catalogue() -> Catalogue:
    """The demo catalogue with no furnisher judged on its quality: the file grows across
    examples, and the court's many unanswered disputes would hold it (G-49, which
    tests/quality proves); this property is about one record's effect."""
    unjudged = FurnisherQuality(min_records=1000, min_disputes_due=1000)
    return replace(load_catalogue(DEMO_CATALOG), furnisher_quality=unjudged)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=steps)
def test_g20_g26_g27_g42_effect_follows_the_one_case_machine_in_any_order(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock, plan: list[tuple]
) -> None:
    clock.set(AT_REPAIR)
    source_ref = f"(2025)京0105执P{next(_counter)}号"  # the file grows across examples
    record = registry.defaulter(source_ref, occurred_on=OCCURRED_ON)
    subject_id, chain = record.subject_id, chain_id_of("city_court", source_ref)
    assert subject_id is not None
    model = Model()
    assert chain in registry.effective_ids(subject_id)
    for step in plan:
        with engine.begin() as conn:
            _apply(conn, ctx, clock, subject_id, chain, step, model)
        assert (chain in registry.effective_ids(subject_id)) == model.has_effect(), (step, model)
    with engine.connect() as conn:
        assert audit.verify(conn, AUDITED).ok


def _apply(  # type: ignore[no-untyped-def]
    conn: Connection, ctx: WriteContext, clock: FixedClock, subject_id: int, chain, step, model
) -> None:
    if step[0] == "lodge":
        _lodge(conn, ctx, subject_id, chain, step[1], model)
    elif step[0] == "resolve" and model.open:
        _resolve(conn, ctx, model.open[0], step[1], step[2], model)
    elif step[0] == "wait":
        clock.advance(days=step[1])
        model.day += step[1]
    elif step[0] == "job":
        jobs.run_due(conn, ctx)
        lapsed = [c for c in model.open if c.kind in SUSPENDING and c.deadline <= model.day]
        model.gone |= bool(lapsed)  # unverified: stays without effect (G-27)
        model.open = [c for c in model.open if c not in lapsed]  # repairs are only flagged


def _lodge(
    conn: Connection, ctx: WriteContext, subject_id: int, chain: str, kind: str, model: Model
) -> None:
    allowed = not any(c.kind == kind for c in model.open)  # one open case per kind and record
    try:
        if kind == "repair":
            proof = {"receipt": "court receipt 2027-001"}
            condition = "obligation performed in full"
            case = repair.apply(conn, ctx, subject_id, "record", chain, condition, proof)
        else:
            case = service.open_dispute(conn, ctx, subject_id, chain, "wrong", kind=kind)
    except CredoError:
        assert not allowed, f"lodging a {kind} was refused"
        return
    assert allowed, f"a second open {kind} was lodged"
    days = {"repair": ctx.catalogue.profile.repair_decision_days}.get(
        kind, ctx.catalogue.profile.dispute_deadline_days
    )
    model.open.append(Open(kind, case["id"], model.day + days))


def _resolve(
    conn: Connection, ctx: WriteContext, case: Open, outcome: str, reasons: bool, model: Model
) -> None:
    expected = model.may_resolve(case, outcome, reasons)
    store = "repairs" if case.kind == "repair" else "disputes"
    words = "verified with the issuing court" if reasons else ""
    try:
        closed = cases.resolve(conn, ctx, store, case.case_id, outcome, words, "op")
    except CredoError:
        assert not expected, f"{outcome} of a {case.kind} was refused"
        return
    assert expected, f"{outcome} of a {case.kind} was accepted"
    assert closed["status"] == outcome
    model.open.remove(case)
    model.gone |= outcome in ENDS_EFFECT
