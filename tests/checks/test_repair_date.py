"""The day a decision tells a relying party that repair becomes possible is the day the repair
desk accepts an application (G-42): one rule, ``records.eligibility.eligible_from``."""

from __future__ import annotations

import dataclasses
from datetime import date

from credo.catalog.catalogue import Catalogue
from credo.catalog.models import Duration
from credo.checks import decide
from credo.records.eligibility import eligible_from
from credo.records.queries import StandingRecord

STARTS = date(2026, 3, 1)


def _record(record_type: str) -> StandingRecord:
    return StandingRecord(
        "r1", "c1", record_type, "city_court", STARTS, STARTS, date(2029, 3, 1), "period_ended",
        None, {},
    )  # fmt: skip


def test_repair_date_in_a_decision_is_the_repair_desks(catalogue: Catalogue) -> None:
    """A type whose repair wait (1 m) is shorter than its minimum publicity (1 y): the
    application is accepted only after both, so the decision must not promise it earlier."""
    base = catalogue.record_types["judgment_defaulter"]
    short_wait = base.repairable.model_copy(update={"earliest_after": Duration(amount=1, unit="m")})
    record_type = base.model_copy(update={"repairable": short_wait})
    types = {**catalogue.record_types, record_type.id: record_type}
    changed = dataclasses.replace(catalogue, record_types=types)
    body = decide._record_body(changed, _record(record_type.id), {}, {})
    assert body["repair_possible_from"] == eligible_from(record_type, STARTS).isoformat()
    assert body["repair_possible_from"] == "2027-03-01"  # the year of publicity, not the month


def test_no_repair_date_for_a_type_that_cannot_be_repaired(catalogue: Catalogue) -> None:
    body = decide._record_body(catalogue, _record("judgment_performance"), {}, {})
    assert body["repair_possible_from"] is None
