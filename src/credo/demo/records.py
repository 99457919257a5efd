"""The demo city's records over five years, as the raw statements furnishers would send.

Rates are per subject per year and loosely follow published figures (a few per cent of
enterprises penalised or listed as abnormal each year, under one per cent debarred or
determined judgment defaulters). Each subject draws from its own seeded generator, so a
subject's records do not depend on the order or size of the rest of the city."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from credo.demo.population import Organisation, Person, Population

YEARS = 5
Raw = dict[str, Any]


@dataclass(frozen=True)
class Rates:
    """Yearly probabilities of each event for one subject."""

    penalty: float = 0.05
    arrears: float = 0.03
    abnormal: float = 0.04
    debarment: float = 0.003
    defaulter_organisation: float = 0.01
    defaulter_person: float = 0.005
    person_arrears: float = 0.01
    sanction: float = 0.05
    inspections_per_year: int = 3
    general_vat_share: float = 0.5  # file VAT monthly; small-scale taxpayers quarterly
    late_filing: float = 0.03


RATES = Rates()
GRADES = (("A", 0.10), ("B", 0.60), ("M", 0.20), ("C", 0.07), ("D", 0.03))
VIOLATIONS = ("02B", "04L", "06C", "08A", "10F", "04N", "02G", "06D", "09C", "10B")
CIRCUMSTANCES = (
    "refusing_with_ability",
    "evading_enforcement",
    "violating_consumption_restriction",
)
AGGRAVATING = frozenset({"evading_enforcement", "violating_consumption_restriction"})


@dataclass
class _Subject:
    """What every record of one subject shares."""

    kind: str
    scheme: str
    value: str
    name: str
    rng: random.Random
    start: date
    today: date

    @cached_property
    def ref_key(self) -> str:
        """A stand-in for the identifier in references: a resident ID never appears in a
        document number, which may be published."""
        return hashlib.blake2b(self.value.encode(), digest_size=5).hexdigest().upper()

    def day(self, after: date | None = None) -> date:
        first = max(self.start, after or self.start)
        span = (self.today - first).days
        return first + timedelta(days=self.rng.randrange(span + 1)) if span > 0 else self.today


def city_statements(
    population: Population, today: date, seed: int
) -> Iterator[list[tuple[str, Raw]]]:
    """The (furnisher_id, raw statement) pairs of the city, one list per subject."""
    return subject_statements(population, today, seed, 0, subject_count(population))


def subject_count(population: Population) -> int:
    """How many subjects carry records (organisations, then persons, in that order)."""
    return len(population.organisations) + len(population.persons)


def subject_statements(
    population: Population, today: date, seed: int, start: int, stop: int
) -> Iterator[list[tuple[str, Raw]]]:
    """The statements of subjects ``start`` to ``stop`` (organisations first, then persons):
    each subject's own generator, so any slice gives the same records as the whole."""
    first = _years_before(today, YEARS)
    organisations = len(population.organisations)
    for index in range(start, stop):
        if index < organisations:
            org = population.organisations[index]
            subject = _Subject(
                "organisation", "cn_uscc", org.uscc, org.name, _rng(seed, org.uscc), first, today
            )
            yield list(_organisation_records(subject, org))
        else:
            person = population.persons[index - organisations]
            subject = _Subject(
                "person", "cn_ric", person.ric, person.name, _rng(seed, person.ric), first, today
            )
            yield list(_person_records(subject, person))


def _rng(seed: int, key: str) -> random.Random:
    return random.Random(f"{seed}:{key}")


def _years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years, day=min(day.day, 28))


def _organisation_records(s: _Subject, org: Organisation) -> Iterator[tuple[str, Raw]]:
    first = max(s.start, org.founded)
    yield from _licences(s, first, "business_licence")
    if org.food:
        yield from _licences(s, first, "food_business")
        yield from _inspections(s, first, RATES.inspections_per_year)
    yield from _tax_grades(s, org.founded)
    monthly = s.rng.random() < RATES.general_vat_share
    yield from _tax_filings(s, first, 1 if monthly else 3, "vat")
    yield from _yearly(s, first, RATES.penalty, _penalty)
    yield from _yearly(s, first, RATES.arrears, _arrears)
    yield from _yearly(s, first, RATES.abnormal, _abnormal)
    yield from _yearly(s, first, RATES.debarment, _debarment)
    yield from _yearly(s, first, RATES.defaulter_organisation, _defaulter)


def _person_records(s: _Subject, person: Person) -> Iterator[tuple[str, Raw]]:
    adult = _years_after(person.birth, 18)
    if person.sole_trader:
        yield from _licences(s, s.start, "business_licence")
        yield from _tax_grades(s, s.start)
        yield from _tax_filings(s, s.start, 3, "vat")
        yield from _yearly(s, max(s.start, adult), RATES.penalty * 0.6, _penalty)
    if person.food:
        yield from _licences(s, s.start, "food_business")
        yield from _inspections(s, s.start, RATES.inspections_per_year - 1)
    if person.official:
        yield from _yearly(s, max(s.start, adult), RATES.sanction, _sanction)
    # Negative records never concern minors (the profile forbids minors on negative lists).
    yield from _yearly(s, max(s.start, adult), RATES.defaulter_person, _defaulter)
    yield from _yearly(s, max(s.start, adult), RATES.person_arrears, _arrears)


def _years_after(day: date, years: int) -> date:
    return day.replace(year=day.year + years, day=min(day.day, 28))


def _yearly(s: _Subject, first: date, rate: float, make: Any) -> Iterator[tuple[str, Raw]]:
    """Draw each year of the window; an event happens with probability ``rate``."""
    if first > s.today:
        return
    years = max(1, (s.today - first).days // 365)
    for index in range(years):
        if s.rng.random() < rate:
            yield from make(s, s.day(first + timedelta(days=365 * index)), index)


def _raw(
    s: _Subject,
    record_type: str,
    source_ref: str,
    occurred_on: date,
    payload: dict[str, Any],
    evidence_kind: str | None,
    issuer: str,
    *,
    action: str = "assert",
    revision: int = 0,
) -> Raw:
    raw: Raw = {
        "record_type": record_type,
        "source_ref": source_ref,
        "revision": revision,
        "action": action,
        "subject_kind": s.kind,
        "identifiers": [(s.scheme, s.value)],
        "subject_name": s.name,
        "occurred_on": occurred_on,
        "finality": "final",
        "payload": payload,
        "provenance": {"kind": "official_decision", "channel": "demo"},
    }
    if evidence_kind:
        raw["evidence"] = {
            "kind": evidence_kind,
            "document_id": source_ref,
            "issuer": issuer,
            "issued_on": occurred_on,
        }
    return raw


def _licences(s: _Subject, first: date, kind: str) -> Iterator[tuple[str, Raw]]:
    """A licence at the start and a renewal every year after."""
    issued = s.day(first) if first > s.start else s.start + timedelta(days=s.rng.randrange(365))
    while issued <= s.today:
        ref = f"LIC-{kind[:4].upper()}-{s.ref_key}-{issued:%Y%m%d}"
        payload = {
            "licence_number": ref,
            "licence_kind": kind,
            "valid_until": _years_after(issued, 1),
        }
        yield (
            "market_regulator",
            _raw(
                s, "administrative_licence", ref, issued, payload, "administrative_licence", "SAMR"
            ),
        )
        issued = _years_after(issued, 1)


def _tax_grades(s: _Subject, founded: date) -> Iterator[tuple[str, Raw]]:
    """The annual grade, published in April for the previous year."""
    for year in range(s.start.year, s.today.year + 1):
        published = date(year, 4, 1 + s.rng.randrange(28))
        if published > s.today or published < s.start or founded.year >= year - 1:
            continue
        grade = _weighted(s.rng, GRADES)
        points = {"A": 95, "B": 80, "M": 72, "C": 55, "D": 30}[grade] + s.rng.randrange(5)
        ref = f"TAX-GRADE-{s.ref_key}-{year - 1}"
        payload = {"year": year - 1, "grade": grade, "index_points": points}
        yield (
            "city_tax_office",
            _raw(s, "tax_credit_grade", ref, published, payload, "tax_grade_notice", "Tax Bureau"),
        )


def _tax_filings(s: _Subject, first: date, months: int, tax_kind: str) -> Iterator[tuple[str, Raw]]:
    """One return per period (monthly, or quarterly from the quarter's first month), due on
    the 15th of the month after the period; a few are filed late."""
    year, month = first.year, (first.month - 1) // months * months + 1
    while True:
        next_year, next_month = _months_after(year, month, months)
        due = date(next_year, next_month, 15)
        late = s.rng.random() < RATES.late_filing
        filed = due + timedelta(days=s.rng.randrange(1, 40) if late else -s.rng.randrange(15))
        if filed > s.today:
            return
        period = f"{year}-{month:02d}" if months == 1 else f"{year}-Q{(month - 1) // 3 + 1}"
        ref = f"TAXF-{s.ref_key}-{period}"
        payload = {
            "period": period,
            "tax_kind": tax_kind,
            "due_on": due,
            "days_late": max(0, (filed - due).days),
        }
        yield (
            "city_tax_office",
            _raw(s, "tax_filing", ref, filed, payload, "tax_return_receipt", "Tax Bureau"),
        )
        year, month = next_year, next_month


def _months_later(day: date, months: int) -> date:
    year, month = _months_after(day.year, day.month, months)
    return date(year, month, min(day.day, 28))


def _months_after(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _weighted(rng: random.Random, table: tuple[tuple[str, float], ...]) -> str:
    draw = rng.random()
    for value, share in table:
        draw -= share
        if draw < 0:
            return value
    return table[-1][0]


def _inspections(s: _Subject, first: date, per_year: int) -> Iterator[tuple[str, Raw]]:
    days = max(1, (s.today - first).days)
    for number in range(max(1, per_year * days // 365)):
        inspected = s.day(first)
        codes = s.rng.sample(VIOLATIONS, s.rng.randrange(0, 4))
        score = sum(s.rng.randrange(2, 10) for _ in codes)
        grade = "A" if score <= 13 else "B" if score <= 27 else "C"
        ref = f"INSP-{s.ref_key}-{number}"
        payload = {
            "programme": "routine",
            "inspection_kind": "cycle inspection",
            "score": score,
            "grade": grade,
            "violation_codes": " ".join(codes),
            "critical": any(c.startswith("02") or c.startswith("04") for c in codes),
            "grade_date": inspected,
        }
        yield (
            "food_safety_inspectorate",
            _raw(s, "food_safety_inspection", ref, inspected, payload, "inspection_report", "FSI"),
        )


def _perform(
    s: _Subject, furnisher: str, record_type: str, ref: str, after: date, payload: Raw
) -> Iterator[tuple[str, Raw]]:
    """Most obligations are performed eventually: a superseding 'perform' statement."""
    if s.rng.random() < 0.5 and after < s.today:
        performed = s.day(after)
        yield (
            furnisher,
            _raw(s, record_type, ref, performed, payload, None, "", action="perform", revision=1),
        )


def _penalty(s: _Subject, day: date, index: int) -> Iterator[tuple[str, Raw]]:
    ref = f"PEN-{s.ref_key}-{index}"
    kind = _weighted(s.rng, (("fine", 0.85), ("confiscation", 0.08), ("suspension", 0.07)))
    payload = {
        "decision_number": ref,
        "penalty_kind": kind,
        "fine_amount": float(s.rng.randrange(2, 200) * 1000),
        "violation": "Sale of goods not meeting the labelling standard",
        "paid": False,
    }
    yield (
        "market_regulator",
        _raw(
            s,
            "administrative_penalty",
            ref,
            day,
            payload,
            "administrative_penalty_decision",
            "SAMR",
        ),
    )
    yield from _perform(s, "market_regulator", "administrative_penalty", ref, day, {"paid": True})


def _arrears(s: _Subject, day: date, index: int) -> Iterator[tuple[str, Raw]]:
    ref = f"ARR-{s.ref_key}-{index}"
    tax_kind = (
        "individual_income" if s.kind == "person" else s.rng.choice(("vat", "corporate_income"))
    )
    payload = {
        "amount": float(s.rng.randrange(5, 500) * 100),
        "tax_kind": tax_kind,
        "period_end": day - timedelta(days=60),
        "days_overdue": 60 + s.rng.randrange(120),
    }
    yield "city_tax_office", _raw(s, "tax_arrears", ref, day, payload, "tax_assessment", "Tax")
    yield from _perform(s, "city_tax_office", "tax_arrears", ref, day, {})


def _abnormal(s: _Subject, day: date, index: int) -> Iterator[tuple[str, Raw]]:
    ref = f"ABN-{s.ref_key}-{index}"
    reason = _weighted(
        s.rng, (("no_annual_report", 0.7), ("unreachable_address", 0.25), ("no_disclosure", 0.05))
    )
    payload = {"reason": reason, "decision_number": ref}
    listing = _raw(s, "abnormal_operations", ref, day, payload, "registry_decision", "SAMR")
    listing["term_until"] = "performance"  # open-ended: until the firm rectifies
    yield "market_regulator", listing
    ended = list(_perform(s, "market_regulator", "abnormal_operations", ref, day, {}))
    # Beyond the one-year ceiling the regulator re-confirms each year while it stands.
    last = ended[0][1]["occurred_on"] if ended else s.today
    revision = 0
    while (confirmed := _years_after(day, revision + 1)) < last:
        revision += 1
        confirm = _raw(s, "abnormal_operations", ref, confirmed, {}, None, "", action="confirm")
        confirm["revision"] = revision
        yield "market_regulator", confirm
    for furnisher, performance in ended:
        yield furnisher, {**performance, "revision": revision + 1}


def _debarment(s: _Subject, day: date, index: int) -> Iterator[tuple[str, Raw]]:
    ref = f"DEB-{s.ref_key}-{index}"
    payload = {
        "decision_number": ref,
        "ground": s.rng.choice(("false_materials", "collusion", "non_performance")),
        "period_months": s.rng.choice((12, 24, 36)),
    }
    debarment = _raw(
        s, "procurement_debarment", ref, day, payload, "debarment_decision", "Procurement Office"
    )
    debarment["term_ends_on"] = _months_later(day, int(payload["period_months"]))
    yield "procurement_office", debarment


def _defaulter(s: _Subject, day: date, index: int) -> Iterator[tuple[str, Raw]]:
    case = f"({day.year})示0105执{1000 + s.rng.randrange(9000)}号"
    ref = f"DEF-{s.ref_key}-{index}"
    amount = float(s.rng.randrange(10, 2000) * 1000)
    payload = {
        "case_number": case,
        "court": "Demo City Intermediate People's Court",
        "obligation": "pay_money",
        "amount": amount,
        "circumstance": s.rng.choice(CIRCUMSTANCES),
    }
    determination = _raw(
        s, "judgment_defaulter", ref, day, payload, "defaulter_determination", "City Court"
    )
    # The decided term: two years, three where the debtor aggravated the default (SPC
    # Provisions on Publishing the List of Dishonest Judgment Debtors, art. 2); performance
    # ends it early.
    years = 3 if payload["circumstance"] in AGGRAVATING else 2
    determination["term_ends_on"] = _years_after(day, years)
    yield "city_court", determination
    if s.rng.random() < 0.4 and day < s.today:
        paid = s.day(day)
        yield (
            "city_court",
            _raw(s, "judgment_defaulter", ref, paid, {}, None, "", action="perform", revision=1),
        )
        performance = {"case_number": case, "performed_on": paid, "amount_paid": amount}
        yield (
            "city_court",
            _raw(
                s,
                "judgment_performance",
                f"PERF-{s.ref_key}-{index}",
                paid,
                performance,
                "performance_certificate",
                "City Court",
            ),
        )


def _sanction(s: _Subject, day: date, index: int) -> Iterator[tuple[str, Raw]]:
    ref = f"DIS-{s.ref_key}-{index}"
    payload = {
        "sanction": _weighted(s.rng, (("warning", 0.5), ("demerit", 0.3), ("demotion", 0.2))),
        "office": "District procurement section",
        "conduct_area": s.rng.choice(("procurement", "licensing", "budget")),
    }
    yield (
        "discipline_commission",
        _raw(
            s, "official_disciplinary_sanction", ref, day, payload, "disciplinary_decision", "DSC"
        ),
    )
