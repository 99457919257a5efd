"""G-04: every record carries its provenance, and only an allowlisted kind. The refusal of
camera and biometric kinds by name is tested in test_write_path.py; these tests pin down the
rest: a record with no provenance, a kind that is neither allowed nor banned, and the API's
schema, which states no provenance on a furnisher's behalf."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from credo.catalog.catalogue import Catalogue
from credo.catalog.vocab import BANNED_PROVENANCE, ProvenanceKind
from credo.records.model import RecordInput, Rejection, Statement
from credo.records.validate import StatementValidator
from tests.records.conftest import defaulter

TODAY = date(2026, 3, 1)


def validate(catalogue: Catalogue, *rows: dict[str, Any]) -> list[Statement | Rejection]:
    validator = StatementValidator(catalogue, "city_court", TODAY)  # one validator, its caches
    return [validator.validate(row) for row in rows]


def code(outcome: Statement | Rejection) -> str:
    return outcome.code if isinstance(outcome, Rejection) else "accepted"


@pytest.mark.parametrize("provenance", [None, {}, {"kind": None}, {"channel": "post"}])
def test_g04_a_record_without_provenance_is_refused(
    catalogue: Catalogue, provenance: dict[str, Any] | None
) -> None:
    row = defaulter(provenance=provenance)
    [outcome] = validate(catalogue, row)
    assert code(outcome) in ("missing_provenance", "invalid_provenance"), outcome
    if provenance is None:
        assert code(outcome) == "missing_provenance" and "G-04" in outcome.detail  # type: ignore[union-attr]


@pytest.mark.parametrize("kind", ["hearsay", "OFFICIAL_DECISION", "official decision", "manual"])
def test_g04_a_kind_outside_the_allowlist_is_refused_every_time(
    catalogue: Catalogue, kind: str
) -> None:
    """Neither allowed nor banned by name: still refused, on every row of a file (the validator
    remembers only the kinds it accepted)."""
    assert kind not in BANNED_PROVENANCE
    first, second = validate(catalogue, defaulter("A-1", provenance={"kind": kind}),
                             defaulter("A-2", provenance={"kind": kind}))  # fmt: skip
    assert code(first) == code(second) == "invalid_provenance", (first, second)


def test_g04_every_allowlisted_kind_is_accepted(catalogue: Catalogue) -> None:
    rows = [defaulter(f"K-{k.value}", provenance={"kind": k.value}) for k in ProvenanceKind]
    assert [code(o) for o in validate(catalogue, *rows)] == ["accepted"] * len(rows)


def test_g04_the_api_requires_provenance_and_states_none_itself() -> None:
    body = {
        "record_type": "judgment_defaulter",
        "source_ref": "R-1",
        "subject": {"kind": "person", "identifiers": [{"scheme": "cn_ric", "value": "x"}]},
        "occurred_on": "2026-01-10",
    }
    with pytest.raises(ValidationError, match="provenance"):
        RecordInput.model_validate(body)
    assert "provenance" in RecordInput.model_json_schema()["required"]
    given = RecordInput.model_validate({**body, "provenance": {"kind": "inspection"}})
    assert given.provenance.kind == "inspection"
