"""Builders for rating tests: a writer through the one write path (with the real-time hooks
wired as in production), and record rows for the demo ratings' inputs."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import Engine

from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.context import subject_hooks
from credo.records.model import Rejection, RowOutcome
from credo.records.service import WriteContext, nothing_held, submit_rows
from credo.records.validate import StatementValidator

TODAY = datetime(2026, 3, 1, 12, 0)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


def permit(n: int) -> tuple[str, str]:
    return ("city_permit", f"CP-{n:06d}")


def camis(n: int) -> tuple[str, str]:
    return ("nyc_camis", f"{40000000 + n:08d}")


def _evidence(kind: str, ref: str, on: str) -> dict[str, Any]:
    return {"kind": kind, "document_id": ref, "issuer": "Demo City", "issued_on": on}


def tax_grade(ref: str, who: int, on: str, grade: str, **over: Any) -> dict[str, Any]:
    row = {
        "record_type": "tax_credit_grade",
        "source_ref": ref,
        "subject_kind": "organisation",
        "identifiers": [permit(who)],
        "occurred_on": on,
        "payload": {"year": int(on[:4]), "grade": grade},
        "provenance": {"kind": "official_decision"},
    }
    return {**row, **over}


def arrears(
    ref: str, who: int, on: str, amount: float, days: int = 30, **over: Any
) -> dict[str, Any]:
    row = {
        "record_type": "tax_arrears",
        "source_ref": ref,
        "subject_kind": "organisation",
        "identifiers": [permit(who)],
        "occurred_on": on,
        "payload": {
            "amount": amount,
            "tax_kind": "vat",
            "period_end": on,
            "days_overdue": days,
        },
        "evidence": _evidence("tax_assessment", ref, on),
        "provenance": {"kind": "official_decision"},
    }
    return {**row, **over}


def licence(ref: str, who: int, on: str) -> dict[str, Any]:
    return {
        "record_type": "administrative_licence",
        "source_ref": ref,
        "subject_kind": "organisation",
        "identifiers": [permit(who)],
        "occurred_on": on,
        "payload": {"licence_number": ref, "licence_kind": "business_licence"},
        "provenance": {"kind": "official_decision"},
    }


def debarment(ref: str, who: int, on: str, ground: str, months: int) -> dict[str, Any]:
    return {
        "record_type": "procurement_debarment",
        "source_ref": ref,
        "subject_kind": "organisation",
        "identifiers": [permit(who)],
        "occurred_on": on,
        "payload": {"decision_number": ref, "ground": ground, "period_months": months},
        "evidence": _evidence("debarment_decision", ref, on),
        "provenance": {"kind": "official_decision"},
    }


def inspection(
    ref: str, who: int, on: str, kind: str, score: int, programme: str = "Cycle Inspection"
) -> dict[str, Any]:
    return {
        "record_type": "food_safety_inspection",
        "source_ref": ref,
        "subject_kind": "organisation",
        "identifiers": [camis(who)],
        "occurred_on": on,
        "payload": {"programme": programme, "inspection_kind": kind, "score": score},
        "provenance": {"kind": "inspection"},
    }


FURNISHER_OF = {
    "tax_credit_grade": "city_tax_office",
    "tax_arrears": "city_tax_office",
    "administrative_licence": "market_regulator",
    "procurement_debarment": "procurement_office",
    "food_safety_inspection": "food_safety_inspectorate",
}


class Writer:
    """Rows written one at a time through records.service.submit_rows, each as the furnisher
    of its record type, with the registry's subject hooks (lists, subscriptions)."""

    def __init__(self, engine: Engine, catalogue: Catalogue, clock: FixedClock) -> None:
        self.engine, self.clock = engine, clock
        self.context = WriteContext(
            catalogue, clock, tuple(subject_hooks(catalogue, clock)), holds=nothing_held
        )

    def write(self, *rows: dict[str, Any]) -> list[RowOutcome]:
        """A row the validator refuses is a mistake in the test; the write path's own refusals
        (e.g. a 'perform' of an annulled record) come back as quarantined outcomes."""
        outcomes: list[RowOutcome] = []
        for row in rows:
            furnisher = FURNISHER_OF[row["record_type"]]
            validator = StatementValidator(self.context.catalogue, furnisher, self.clock.today())
            checked = validator.validate(dict(row))
            if isinstance(checked, Rejection):
                raise AssertionError(f"test row rejected: {checked}")
            with self.engine.begin() as conn:
                outcomes += submit_rows(conn, self.context, furnisher, [row])
        return outcomes


@pytest.fixture
def writer(engine: Engine, catalogue: Catalogue, clock: FixedClock) -> Writer:
    return Writer(engine, catalogue, clock)


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark for the whole test session (start-up takes seconds)."""
    pytest.importorskip("pyspark")
    from credo.ratings.runners import local_spark

    session = local_spark(cores=2)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
