"""Demo identifiers are valid by python-stdnum, and the city is reproducible from its seed."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric, uscc

from credo.demo.identifiers import (
    AREA_CODES,
    ENTERPRISE_PREFIX,
    STATE_ORGAN_PREFIX,
    resident_id,
    social_credit_code,
)
from credo.demo.population import DemoSize, generate_population
from credo.demo.records import city_statements, subject_count, subject_statements

TODAY = date(2026, 6, 30)
SMALL = DemoSize(persons=300, organisations=60, public_bodies=4)


@given(
    st.sampled_from(AREA_CODES),
    st.dates(min_value=date(1940, 1, 1), max_value=date(2010, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_resident_ids_pass_gb_11643(area: str, birth: date, sequence: int) -> None:
    number = resident_id(area, birth, sequence)
    assert ric.validate(number) == number
    assert ric.get_birth_date(number) == birth


@given(
    st.sampled_from((ENTERPRISE_PREFIX, STATE_ORGAN_PREFIX)),
    st.sampled_from(AREA_CODES),
    st.integers(min_value=0, max_value=31**9 - 1),
)
def test_social_credit_codes_pass_gb_32100(prefix: str, area: str, serial: int) -> None:
    code = social_credit_code(prefix, area, serial)
    assert uscc.validate(code) == code
    assert code.startswith(prefix + area)


def test_same_seed_same_city_and_another_seed_another() -> None:
    first = generate_population(SMALL, 7, TODAY)
    assert first == generate_population(SMALL, 7, TODAY)
    assert first.persons != generate_population(SMALL, 8, TODAY).persons
    assert len(first.persons) == SMALL.persons
    assert len(first.organisations) == SMALL.organisations
    assert len(first.public_bodies) == SMALL.public_bodies


def test_identifiers_are_unique() -> None:
    city = generate_population(DemoSize(2000, 500, 30), 1, TODAY)
    rics = [p.ric for p in city.persons]
    codes = [o.uscc for o in city.organisations] + [b.uscc for b in city.public_bodies]
    assert len(set(rics)) == len(rics)
    assert len(set(codes)) == len(codes)


def test_statements_are_reproducible_and_dated_within_five_years() -> None:
    city = generate_population(SMALL, 3, TODAY)
    first = list(city_statements(city, TODAY, 3))
    assert first == list(city_statements(city, TODAY, 3))
    days = [raw["occurred_on"] for subject in first for _, raw in subject]
    assert len(days) > SMALL.organisations * 5
    assert min(days) >= date(2021, 6, 28)
    assert max(days) <= TODAY


def test_no_negative_record_about_a_minor_and_no_resident_id_in_a_reference() -> None:
    city = generate_population(SMALL, 5, TODAY)
    births = {p.ric: p.birth for p in city.persons}
    negative = {
        "judgment_defaulter",
        "tax_arrears",
        "administrative_penalty",
        "official_disciplinary_sanction",
    }
    for subject in city_statements(city, TODAY, 5):
        for _, raw in subject:
            scheme, value = raw["identifiers"][0]
            assert value not in raw["source_ref"]
            assert value not in str(raw["payload"])
            if scheme == "cn_ric" and raw["record_type"] in negative:
                birth = births[value]
                age = raw["occurred_on"].year - birth.year
                assert age >= 18, (raw["record_type"], raw["occurred_on"], birth)


def test_any_slice_of_subjects_gives_the_same_statements_as_the_whole_city() -> None:
    city = generate_population(SMALL, 7, TODAY)
    whole = list(city_statements(city, TODAY, 7))
    total = subject_count(city)
    assert total == len(whole)
    cuts = [0, 1, SMALL.organisations - 1, SMALL.organisations + 5, total]
    parts = [
        subject
        for start, stop in itertools.pairwise(cuts)
        for subject in subject_statements(city, TODAY, 7, start, stop)
    ]
    assert parts == whole


def test_tax_returns_cover_consecutive_periods_each_due_after_it_ends() -> None:
    city = generate_population(SMALL, 9, TODAY)
    filings: dict[str, list[dict[str, Any]]] = {}
    for subject in city_statements(city, TODAY, 9):
        for _, raw in subject:
            if raw["record_type"] == "tax_filing":
                filings.setdefault(raw["identifiers"][0][1], []).append(raw)
    assert len(filings) > SMALL.organisations // 2
    for returns in filings.values():
        periods = [r["payload"]["period"] for r in returns]
        assert len(set(periods)) == len(periods)
        step = 3 if "Q" in periods[0] else 1
        for earlier, later in itertools.pairwise(returns):
            assert _months_between(earlier["payload"]["due_on"], later["payload"]["due_on"]) == step
        for r in returns:
            due, filed = r["payload"]["due_on"], r["occurred_on"]
            assert due.day == 15
            assert r["payload"]["days_late"] == max(0, (filed - due).days)
            assert filed <= TODAY


def _months_between(first: date, second: date) -> int:
    return (second.year - first.year) * 12 + second.month - first.month
