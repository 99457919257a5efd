"""Property tests of the pure list engine and decision: whatever the records and the date,
an entry has effect only inside its notice-window/term/record bounds (G-11, G-22, G-44),
minors never enter a negative list (G-21), and one subject's records never change another's
decision (G-17)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from credo.catalog.loader import load_catalogue
from credo.checks.decide import applied_measures, outcome_of, plan_purposes
from credo.lists.evaluate import SubjectFacts, TriggerRecord, derive_entries
from credo.settings import DEMO_CATALOG
from credo.subjects.identifiers import is_minor

CATALOGUE = load_catalogue(DEMO_CATALOG, "CN")
PLANS = plan_purposes(CATALOGUE)
WINDOW = CATALOGUE.profile.objection_window_days
TYPES = ["judgment_defaulter", "procurement_debarment", "tax_credit_grade", "abnormal_operations"]
DAY0 = date(2020, 1, 1)

days = st.integers(min_value=0, max_value=3000)


@st.composite
def records(draw: st.DrawFn) -> TriggerRecord:
    start = DAY0 + timedelta(days=draw(days))
    length = draw(st.integers(min_value=1, max_value=1500))
    record_type = draw(st.sampled_from(TYPES))
    chain = f"c{draw(st.integers(0, 10**9))}"
    return TriggerRecord(
        record_id=chain + "r",
        chain_id=chain,
        record_type=record_type,
        furnisher_id="f",
        occurred_on=start,
        starts_on=start,
        ends_on=start + timedelta(days=length),
        end_reason=draw(st.sampled_from(["period_ended", "performed", "delisted"])),
        confirmed_on=None,
        payload={"grade": draw(st.sampled_from(["A", "B", "D"]))},
    )


subjects = st.builds(
    SubjectFacts,
    subject_id=st.just(1),
    kind=st.sampled_from(["person", "organisation"]),
    birth_date=st.one_of(st.none(), st.dates(date(1950, 1, 1), date(2015, 1, 1))),
)


def _lasting(record_type: str, days_long: int, grade: str = "D") -> TriggerRecord:
    """A record from DAY0 whose own effect outlasts its list's maximum term."""
    return TriggerRecord(
        record_id="fixed-r",
        chain_id="fixed",
        record_type=record_type,
        furnisher_id="f",
        occurred_on=DAY0,
        starts_on=DAY0,
        ends_on=DAY0 + timedelta(days=days_long),
        end_reason="period_ended",
        confirmed_on=None,
        payload={"grade": grade},
    )


ORGANISATION = SubjectFacts(1, "organisation", None)


@settings(max_examples=200, deadline=None)
@given(subjects, st.lists(records(), max_size=6), days)
# G-44, every run (not only when the draw finds it): a record that outlasts the list's term
# (3 years for defaulters, 1 year for A-grade taxpayers) is off the list after the term.
@example(ORGANISATION, [_lasting("judgment_defaulter", 1500)], 1200)
@example(ORGANISATION, [_lasting("tax_credit_grade", 1000, "A")], 600)
def test_entries_have_effect_only_inside_their_bounds(
    subject: SubjectFacts, recs: list[TriggerRecord], offset: int
) -> None:
    on = DAY0 + timedelta(days=offset)
    for entry in derive_entries(CATALOGUE, subject, recs):
        list_def = CATALOGUE.lists[entry.list_id]
        assert subject.kind in list_def.subject_kinds
        if entry.status_on(on) != "effective":
            continue
        [record] = entry.records
        assert record.starts_on <= on < record.ends_on
        if not list_def.immediate_effect_article:
            assert on >= record.starts_on + timedelta(days=WINDOW)
        assert list_def.max_term is not None
        assert on < list_def.max_term.add_to(entry.effective_on)
        if list_def.kind != "red" and subject.kind == "person" and subject.birth_date:
            assert not is_minor(subject.birth_date, record.starts_on)


@settings(max_examples=100, deadline=None)
@given(st.lists(records(), max_size=5), st.lists(records(), min_size=1, max_size=5), days)
def test_another_subjects_records_never_change_a_decision(
    own: list[TriggerRecord], others: list[TriggerRecord], offset: int
) -> None:
    """G-17/G-18: the engine reads the asked subject's records only, so records about anyone
    else (a company, a relative) change nothing."""
    on = DAY0 + timedelta(days=offset)
    person = SubjectFacts(1, "person", date(1970, 1, 1))
    company = SubjectFacts(2, "organisation", None)
    before = derive_entries(CATALOGUE, person, own)
    derive_entries(CATALOGUE, company, others)  # the company is listed in its own right
    after = derive_entries(CATALOGUE, person, own)
    for plan in PLANS.values():
        first = outcome_of(applied_measures(plan, person, before, on))
        assert first == outcome_of(applied_measures(plan, person, after, on))


@settings(max_examples=100, deadline=None)
@given(st.lists(records(), max_size=5), days)
def test_measures_lapse_by_themselves(recs: list[TriggerRecord], offset: int) -> None:
    """G-16: a measure never outlives its entry or its own maximum duration."""
    on = DAY0 + timedelta(days=offset)
    subject = SubjectFacts(1, "organisation", None)
    entries = derive_entries(CATALOGUE, subject, recs)
    for plan in PLANS.values():
        for applied in applied_measures(plan, subject, entries, on):
            assert on < applied.applies_until <= applied.entry.ends_on
            assert applied.entry.status_on(on) == "effective"
