"""A hypothesis property over random sequences of due-process steps on one record: lodge a
dispute or claim, resolve it with any outcome (with or without reasons), let days pass, run
the scheduled job. Whatever the order, the record has effect exactly when no dispute or claim
is open, none ever ended as deleted, confirmed or unverified, and no deadline has passed
unresolved; the audit chain always verifies."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from credo.audit import service as audit
from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.catalog.models import FurnisherQuality
from credo.clock import FixedClock
from credo.disputes import jobs, service
from credo.errors import CredoError
from credo.records.service import WriteContext, chain_id_of
from credo.settings import DEMO_CATALOG
from tests.disputes.conftest import START, Registry

OUTCOMES = ["corrected", "deleted", "upheld", "frivolous", "confirmed", "rejected"]
steps = st.lists(
    st.one_of(
        st.tuples(st.just("lodge"), st.sampled_from(["dispute", "identity_claim"])),
        st.tuples(st.just("resolve"), st.sampled_from(OUTCOMES), st.booleans()),
        st.tuples(st.just("wait"), st.integers(1, 25)),
        st.tuples(st.just("job")),
    ),
    max_size=8,
)


@dataclass
class Model:
    """What the rules say the record's state should be."""

    open_deadlines: dict[int, float] = field(default_factory=dict)  # dispute id -> day
    gone: bool = False  # deleted, confirmed or unverified: never comes back


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
def test_effect_follows_the_rules_in_any_order(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock, plan: list[tuple]
) -> None:
    clock.set(START)
    source_ref = f"(2025)京0105执P{next(_counter)}号"  # the file grows across examples
    record = registry.defaulter(source_ref, occurred_on="2026-03-01")
    subject_id, chain = record.subject_id, chain_id_of("city_court", source_ref)
    assert subject_id is not None
    model, day = Model(), 0.0
    for step in plan:
        with engine.begin() as conn:
            day = _apply(conn, ctx, clock, subject_id, chain, step, model, day)
        has_effect = chain in registry.effective_ids(subject_id)
        expected = not model.gone and not model.open_deadlines
        assert has_effect == expected, (step, model)
    with engine.connect() as conn:
        assert audit.verify(conn).ok


def _apply(conn, ctx, clock, subject_id, chain, step, model: Model, day: float) -> float:  # type: ignore[no-untyped-def]
    deadline_days = ctx.catalogue.profile.dispute_deadline_days
    if step[0] == "lodge":
        try:
            dispute = service.open_dispute(conn, ctx, subject_id, chain, "wrong", kind=step[1])
        except CredoError:
            return day  # one open dispute per kind and record
        model.open_deadlines[dispute["id"]] = day + deadline_days
    elif step[0] == "resolve" and model.open_deadlines:
        dispute_id = next(iter(model.open_deadlines))
        reasons = "verified with the issuing court" if step[2] else ""
        try:
            resolved = service.resolve(conn, ctx, dispute_id, step[1], reasons, "op")
        except CredoError:
            return day  # wrong outcome for the kind, no reasons, past deadline, no correction
        del model.open_deadlines[dispute_id]
        model.gone |= resolved["status"] in ("deleted", "confirmed")
    elif step[0] == "wait":
        clock.advance(days=step[1])
        day += step[1]
    elif step[0] == "job":
        jobs.run_due(conn, ctx)
    overdue = [d for d, deadline in model.open_deadlines.items() if deadline <= day]
    if overdue and step[0] == "job":
        model.gone = True
        for d in overdue:
            del model.open_deadlines[d]
    return day
