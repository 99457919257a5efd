"""Run-time halves of the list and measure guardrails, which the loader's checks would
otherwise hide: each test hands the engine a catalogue or a record the loader would refuse
(or a record under appeal) and expects the engine to refuse it again. Each fails when its
run-time check is removed (docs/guardrails.md, bench/mutants.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from credo.catalog.catalogue import Catalogue
from credo.catalog.lists import RepeatOffence
from credo.catalog.loader import load_catalogue
from credo.catalog.models import Duration
from credo.checks.decide import applied_measures, plan_purposes
from credo.lists.evaluate import RatingFact, SubjectFacts, TriggerRecord, derive_entries
from credo.lists.service import entries_on
from credo.lists.tables import list_entries
from credo.settings import DEMO_CATALOG
from tests.lists.builders import defaulter, make_context, person_id, submit
from tests.lists.test_catalogue_lists import edit, folder, problems  # noqa: F401 (a fixture)

CATALOGUE = load_catalogue(DEMO_CATALOG, "CN")
WINDOW = CATALOGUE.profile.objection_window_days
COMPANY = SubjectFacts(1, "organisation", None)
DAY0 = date(2024, 1, 1)


def record(chain: str, start: date, days: int, record_type: str = "judgment_defaulter") -> Any:
    return TriggerRecord(
        record_id=chain + "r",
        chain_id=chain,
        record_type=record_type,
        furnisher_id="city_court",
        occurred_on=start,
        starts_on=start,
        ends_on=start + timedelta(days=days),
        end_reason="period_ended",
        confirmed_on=None,
        payload={},
    )


def with_measure(catalogue: Catalogue, measure_id: str, **update: Any) -> Catalogue:
    changed = catalogue.measures[measure_id].model_copy(update=update)
    return replace(catalogue, measures={**catalogue.measures, measure_id: changed})


def with_list(catalogue: Catalogue, list_id: str, **entry: Any) -> Catalogue:
    list_def = catalogue.lists[list_id]
    changed = list_def.model_copy(update={"entry": list_def.entry.model_copy(update=entry)})
    return replace(catalogue, lists={**catalogue.lists, list_id: changed})


# -- G-06: the list trigger reads final decisions only ---------------------------------------


def test_g06_an_appealed_record_puts_no_one_on_a_list_until_it_is_final(
    database_url: str, engine: Engine
) -> None:
    """G-06: a judgment under appeal is stored but has no effect: no list entry, stored or
    derived, and no measure; the same judgment once final enters the list."""
    ctx = make_context(database_url, engine)
    ident = person_id(date(1980, 5, 6))
    appealed = {**defaulter(ident), "finality": "appealed"}
    [outcome] = submit(ctx, "city_court", appealed)
    subject_id = outcome.subject_id
    assert subject_id is not None
    with engine.connect() as conn:
        assert conn.execute(select(list_entries)).first() is None
        assert entries_on(conn, ctx.catalogue, subject_id, date(2026, 5, 1)) == []
    final = {**appealed, "action": "correct", "revision": 1, "finality": "final"}
    submit(ctx, "city_court", final)
    with engine.connect() as conn:
        [(entry, status)] = entries_on(conn, ctx.catalogue, subject_id, date(2026, 5, 1))
    assert (entry.list_id, status) == ("judgment_defaulters", "effective")


# -- G-10: cross-domain measures are checked again at run time --------------------------------


def test_g10_a_cross_domain_measure_whose_basis_does_not_name_the_list_never_applies() -> None:
    """G-10 at run time: the decision plan drops a cross-domain measure whose legal basis no
    longer names its triggering list, and every cross-domain measure under a profile that
    forbids them, whatever the loader let through."""
    assert "no_air_travel" in _planned(CATALOGUE, "air_ticket_sale")
    basis = CATALOGUE.measures["no_air_travel"].cross_domain
    assert basis is not None
    unnamed = with_measure(
        CATALOGUE,
        "no_air_travel",
        cross_domain=basis.model_copy(update={"names_lists": ["procurement_debarred"]}),
    )
    assert "no_air_travel" not in _planned(unnamed, "air_ticket_sale")
    assert "no_rail_first_class" in _planned(unnamed, "rail_first_class_sale")
    without = with_measure(CATALOGUE, "no_air_travel", cross_domain=None)
    assert "no_air_travel" not in _planned(without, "air_ticket_sale")
    forbidding = replace(CATALOGUE, active_profile_id="EU")
    assert "no_air_travel" not in _planned(forbidding, "air_ticket_sale")
    assert "no_star_hotels" in _planned(forbidding, "star_hotel_booking")  # same domain


def _planned(catalogue: Catalogue, purpose: str) -> set[str]:
    return {m.id for m in plan_purposes(catalogue)[purpose].measures}


# -- G-12: no escalation by counting without a repeat-offence basis ---------------------------


def test_g12_counting_records_without_a_repeat_offence_basis_lists_no_one() -> None:
    """G-12 at run time: an entry rule that counts records (min_count 2) and declares no
    repeat-offence basis produces no entry, however many records there are; with the basis,
    two records within its window produce one."""
    records = [record("c1", DAY0, 900), record("c2", DAY0 + timedelta(days=30), 900)]
    counting = with_list(CATALOGUE, "judgment_defaulters", min_count=2, repeat_offence=None)
    assert derive_entries(counting, COMPANY, records) == []
    basis = RepeatOffence(article="Art. 7 (repeat offences)", window=Duration.model_validate("1y"))
    allowed = with_list(CATALOGUE, "judgment_defaulters", min_count=2, repeat_offence=basis)
    [entry] = derive_entries(allowed, COMPANY, records)
    assert {r.chain_id for r in entry.records} == {"c1", "c2"}


# -- G-17: list names never reach relatives or associates -------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", {"en": "Dishonest defaulters and their family", "zh": "失信被执行人及其家属"}),
        ("name", {"en": "Household of a defaulter", "zh": "失信被执行人家庭"}),
        ("name", {"en": "Defaulters' relatives", "zh": "失信被执行人亲属"}),
        ("name", {"en": "Parents of defaulters", "zh": "失信被执行人父母"}),
        ("name", {"en": "Families/associates of defaulters", "zh": "失信被执行人家属"}),
    ],
)
def test_g17_a_list_named_for_relatives_or_associates_is_refused(
    folder: Path,  # noqa: F811 (the fixture)
    field: str,
    value: Any,
) -> None:
    """G-17: the loader refuses a list whose id or name reaches the family, household or other
    associates of the records' subject (the measures' twin is in test_catalogue_lists.py)."""
    edit(folder, "lists.yaml", "judgment_defaulters", lambda li: li.update({field: value}))
    text = problems(folder)
    assert "lists[judgment_defaulters].id" in text and "(G-17)" in text


# -- G-44: nothing lasts for ever at run time ------------------------------------------------


def test_g44_a_measure_ends_at_its_own_maximum_duration_while_the_entry_lasts() -> None:
    """G-44 at run time: a measure applies no longer than its own max_duration from the
    entry's effect, even while the list entry (3 years) is still effective."""
    short = with_measure(CATALOGUE, "no_air_travel", max_duration=Duration.model_validate("6m"))
    plan = plan_purposes(short)["air_ticket_sale"]
    [entry] = derive_entries(short, COMPANY, [record("c1", DAY0, 1000)])
    limit = Duration.model_validate("6m").add_to(entry.effective_on)
    inside, after = limit - timedelta(days=1), limit + timedelta(days=1)
    assert entry.status_on(after) == "effective"
    [applied] = applied_measures(plan, COMPANY, [entry], inside)
    assert applied.applies_until == limit
    assert applied_measures(plan, COMPANY, [entry], after) == []


def test_g44_a_rating_band_list_entry_ends_at_the_list_term() -> None:
    """G-44: an entry from a rating band ends at the list's maximum term even while the band
    still holds; it is never open-ended."""
    list_def = CATALOGUE.lists["poor_contract_performers"]
    assert list_def.max_term is not None
    rating = CATALOGUE.ratings["contract_performance"]
    since = date(2025, 3, 1)
    fact = RatingFact(rating.id, rating.key, "poor", since)
    [entry] = derive_entries(CATALOGUE, COMPANY, [], {rating.id: fact})
    effective = since + timedelta(days=WINDOW)
    assert entry.effective_on == effective
    assert entry.ends_on == list_def.max_term.add_to(effective) == date(2026, 3, 16)
    assert entry.status_on(date(2026, 3, 15)) == "effective"
    assert entry.status_on(date(2026, 3, 16)) == "ended"


# -- G-09: measures are a closed catalogue with explicit triggers ------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m.pop("legal_basis"),
        lambda m: m.update(triggered_by="*"),
        lambda m: m.update(triggered_by=["*"]),
        lambda m: m.update(triggered_by=[]),
        lambda m: m.update(triggered_by=["no_such_list"]),
    ],
    ids=["no_legal_basis", "wildcard", "wildcard_in_list", "no_trigger", "unknown_list"],
)
def test_g09_a_measure_needs_a_legal_basis_and_an_explicit_list_of_triggers(
    folder: Path,  # noqa: F811 (the fixture)
    change: Any,
) -> None:
    """G-09: the loader refuses a measure without a legal basis, with a wildcard trigger, with
    no trigger, or triggered by a list the catalogue does not have."""
    edit(folder, "measures.yaml", "no_star_hotels", change)
    assert "measures[no_star_hotels]" in problems(folder)


def test_g09_the_engine_applies_only_catalogued_measures_to_their_own_triggers() -> None:
    """G-09: a decision holds only measures of the catalogue, each triggered by an entry of a
    list it names: an A-grade taxpayer's red-list entry and a debarment trigger nothing that
    does not name their lists, and every applied measure is the catalogue's own object."""
    defaulting = record("c1", DAY0, 1000)
    debarred = record("c2", DAY0, 1000, "procurement_debarment")
    entries = derive_entries(CATALOGUE, COMPANY, [defaulting, debarred])
    assert {e.list_id for e in entries} == {"judgment_defaulters", "procurement_debarred"}
    on = DAY0 + timedelta(days=WINDOW + 1)
    for purpose, plan in plan_purposes(CATALOGUE).items():
        for applied in applied_measures(plan, COMPANY, entries, on):
            assert applied.measure is CATALOGUE.measures[applied.measure.id], purpose
            assert applied.entry.list_id in applied.measure.triggered_by, purpose
    plan = plan_purposes(CATALOGUE)["air_ticket_sale"]
    only_debarred = [e for e in entries if e.list_id == "procurement_debarred"]
    assert applied_measures(plan, COMPANY, only_debarred, on) == []
