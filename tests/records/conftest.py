"""Builders for record tests: a write context on a fixed clock and raw statement rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.records.model import RowOutcome
from credo.records.service import WriteContext, nothing_held, submit_rows

ACME = ("cn_uscc", "91110000600037341L")
ZHANG = ("cn_ric", "11010519491231002X")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 1, 12, 0))


def penalty(source_ref: str = "MR-2025-001", **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "record_type": "administrative_penalty",
        "source_ref": source_ref,
        "subject_kind": "organisation",
        "identifiers": [ACME],
        "subject_name": "Acme Trading Co.",
        "occurred_on": "2025-06-01",
        "payload": {"decision_number": source_ref, "penalty_kind": "fine", "fine_amount": "5000"},
        "evidence": {
            "kind": "administrative_penalty_decision",
            "document_id": source_ref,
            "issuer": "Demo City Market Regulation Bureau",
            "issued_on": "2025-06-01",
        },
        "provenance": {"kind": "official_decision"},
    }
    row.update(overrides)
    return row


def licence(
    source_ref: str = "LIC-1", identifiers: list[tuple[str, str]] | None = None, **overrides: Any
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "record_type": "administrative_licence",
        "source_ref": source_ref,
        "subject_kind": "organisation",
        "identifiers": [ACME] if identifiers is None else identifiers,
        "subject_name": "Acme Trading Co.",
        "occurred_on": "2025-01-10",
        "payload": {"licence_number": source_ref, "licence_kind": "food_business"},
        "provenance": {"kind": "official_decision"},
    }
    row.update(overrides)
    return row


def defaulter(source_ref: str = "(2025)京0105执123号", **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "record_type": "judgment_defaulter",
        "source_ref": source_ref,
        "subject_kind": "person",
        "identifiers": [ZHANG],
        "subject_name": "Zhang San",
        "occurred_on": "2025-09-01",
        "payload": {
            "case_number": source_ref,
            "court": "Chaoyang District Court",
            "obligation": "pay_money",
            "amount": 120000,
            "circumstance": "refusing_with_ability",
        },
        "evidence": {
            "kind": "defaulter_determination",
            "document_id": source_ref,
            "issuer": "Chaoyang District Court",
            "issued_on": "2025-09-01",
        },
        "provenance": {"kind": "official_decision"},
    }
    row.update(overrides)
    return row


class Writer:
    """Rows written as one furnisher through records.service.submit_rows, the path the API and
    ingestion take (validation, then the write path)."""

    def __init__(self, engine: Any, catalogue: Catalogue, clock: FixedClock) -> None:
        self.engine, self.clock = engine, clock
        self.context = WriteContext(catalogue, clock, holds=nothing_held)

    def write(self, furnisher: str, *rows: dict[str, Any]) -> list[RowOutcome]:
        with self.engine.begin() as conn:
            return submit_rows(conn, self.context, furnisher, rows)


@pytest.fixture
def writer(engine: Any, catalogue: Catalogue, clock: FixedClock) -> Writer:
    return Writer(engine, catalogue, clock)
