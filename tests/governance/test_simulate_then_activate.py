"""G-48: the simulated outcome and the outcome after activation are the same, on SQLite and
PostgreSQL. A proposal raises contract_performance's 'poor' threshold (a new rating version)
and adds a measure; the simulation's bands, list entries and relying-party decisions are
compared exactly with the registry after activation, rescoring and the check index."""

from __future__ import annotations

from collections import Counter

from credo.audit.approvals import decide, propose
from credo.checks.decide import applied_measures, outcome_of, plan_purposes
from credo.checks.index import CheckIndex
from credo.governance import service
from credo.governance.simulate import ADVERSE_OUTCOMES, Evaluator, Outcome
from credo.lists.service import entries_for
from credo.ratings import repository as ratings_repo
from credo.ratings.service import rescore

from .conftest import MAX_AGE, ON, Registry


def _live_outcome(registry: Registry) -> Outcome:
    """What the activated registry says: snapshots written by rescore, the list entries and
    the decisions the check service derives (its index, built as a restarted worker does)."""
    ctx, catalogue = registry.ctx, registry.proposed
    summaries = rescore(ctx.engine, catalogue, engine_name="polars", as_of=ON, now=ctx.clock.now())
    assert all(s.status == "valid" for s in summaries)
    result = Outcome()
    with ctx.engine.connect() as conn:
        for summary in summaries:
            rating_id = summary.rating.split("@")[0]
            rows = ratings_repo.snapshot_results(conn, summary.snapshot_id)
            result.bands[rating_id] = {r["subject_id"]: r["band"] for r in rows}
            assert Counter(result.bands[rating_id].values()) == summary.after
        derived = entries_for(conn, catalogue, None)
        index = CheckIndex(catalogue)
        index.build(conn)
    result.listed = {list_id: set() for list_id in catalogue.lists}
    for subject_id, entries in derived.items():
        for entry in entries:
            if entry.status_on(ON) in ("notified", "effective"):
                result.listed[entry.list_id].add(subject_id)
    plans = plan_purposes(catalogue)
    for party in catalogue.relying_parties.values():
        for purpose in party.purposes:
            found = result.decisions.setdefault(f"{party.id}/{purpose}", {})
            for subject in index.subjects.values():
                outcome = outcome_of(
                    applied_measures(plans[purpose], subject.facts, subject.entries, ON)
                )
                if outcome != "clear":
                    found[subject.facts.subject_id] = outcome
    return result


def test_g48_simulated_and_activated_outcomes_agree(registry: Registry) -> None:
    ctx = registry.ctx
    evaluator = Evaluator(ctx.engine)
    simulated = evaluator.outcome(registry.proposed, ON)
    before = evaluator.outcome(registry.live, ON)
    # the proposal changes something in every kind of outcome
    moved = {
        s for s, band in simulated.bands["contract_performance"].items()
        if before.bands["contract_performance"].get(s) != band
    }  # fmt: skip
    assert len(moved) == 2 and all(
        simulated.bands["contract_performance"][s] == "poor" for s in moved
    )
    assert simulated.listed["poor_contract_performers"] > before.listed["poor_contract_performers"]
    licensing = "licensing_desk/business_licensing"
    assert sum(o in ADVERSE_OUTCOMES for o in simulated.decisions[licensing].values()) == 4
    assert not any(o in ADVERSE_OUTCOMES for o in before.decisions[licensing].values())

    document = registry.simulate()
    with ctx.engine.begin() as conn:
        assess = service.simulation_assessment(conn, document, ctx.clock.now())
        change_id = propose(
            conn, "ann", "Raise the poor threshold", {"x": 1}, "IA-17", ctx.clock.now(), assess
        )
        decide(conn, change_id, "bob", True, "", ctx.clock.now())
        service.activate(conn, registry.proposed, change_id, "ann", ctx.clock.now(), MAX_AGE)
    service.rederive(ctx.engine, registry.proposed, ctx.clock)

    activated = _live_outcome(registry)
    assert activated.bands == simulated.bands
    assert activated.listed == simulated.listed
    assert activated.decisions == simulated.decisions
    # and the document reports those subjects (the operator's sample holds every one here)
    samples = document["operator_only"]["samples"]
    assert set(samples["ratings:contract_performance"]) == moved
    flipped = {s for s, o in simulated.decisions[licensing].items() if o != "clear"}
    assert set(samples[f"decisions:{licensing}"]) == flipped
