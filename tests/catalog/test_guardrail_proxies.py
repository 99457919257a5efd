"""G-14: no proxies for protected characteristics. A record type may carry a field such as an
address or a place of birth (a registry extract does), but no rating feature, rating condition
or list entry condition may read one: the loader refuses the catalogue and says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from credo.catalog.loader import load_catalogue
from credo.catalog.vocab import proxy_field_reason
from tests.catalog.test_guardrails import catalogue_dir, edit_yaml, problems_of, record_type  # noqa: F401

PROXIES = ["postcode", "post_code", "home_address", "surname", "birth_place", "place_of_birth",
           "mother_tongue", "neighbourhood", "language_spoken", "hometown"]  # fmt: skip


def add_field(folder: Path, name: str, **spec: Any) -> None:
    """Give tax_arrears records a string field ``name`` (allowed as data, on its own)."""

    def change(document: dict[str, Any]) -> None:
        record_type(document, "tax_arrears")["payload"][name] = {"type": "string", **spec}

    edit_yaml(folder, "record_types.yaml", change)


def rating_reads(folder: Path, feature: dict[str, Any]) -> None:
    def change(document: dict[str, Any]) -> None:
        rating = next(r for r in document["ratings"] if r["id"] == "tax_credit_grade")
        rating["features"].append(feature)

    edit_yaml(folder, "ratings.yaml", change)


@pytest.mark.parametrize("name", PROXIES)
def test_g14_a_proxy_is_named_as_one(name: str) -> None:
    assert proxy_field_reason(name) is not None and "(G-14)" in str(proxy_field_reason(name))


@pytest.mark.parametrize("name", ["amount", "days_overdue", "grade", "case_number", "ground"])
def test_g14_ordinary_fields_are_not_proxies(name: str) -> None:
    assert proxy_field_reason(name) is None


def test_g14_a_proxy_field_may_be_stored_but_not_read(catalogue_dir: Path) -> None:  # noqa: F811
    add_field(catalogue_dir, "postcode")
    assert "postcode" in load_catalogue(catalogue_dir).record_types["tax_arrears"].payload


def test_g14_a_rating_condition_over_a_postcode_is_refused(catalogue_dir: Path) -> None:  # noqa: F811
    add_field(catalogue_dir, "postcode")
    rating_reads(
        catalogue_dir,
        {"id": "arrears_in_area", "op": "count", "record_types": ["tax_arrears"],
         "where": [{"field": "postcode", "in": ["100020", "100021"]}]},
    )  # fmt: skip
    found = problems_of(catalogue_dir)
    assert any("ratings[tax_credit_grade].features[arrears_in_area]" in p and "(G-14)" in p
               for p in found), found  # fmt: skip


def test_g14_a_rating_feature_reading_a_field_of_a_proxy_category_is_refused(
    catalogue_dir: Path,  # noqa: F811
) -> None:
    """The category counts as well as the name: ``seat`` says nothing, its category does."""
    add_field(catalogue_dir, "seat", category="place_of_birth")
    rating_reads(
        catalogue_dir,
        {"id": "seat_kind", "op": "latest", "kind": "category", "field": "seat",
         "record_types": ["tax_arrears"], "missing": "not_rated"},
    )  # fmt: skip
    found = problems_of(catalogue_dir)
    assert any("tax_arrears.seat" in p and "(G-14)" in p for p in found), found


def test_g14_a_list_entry_condition_over_a_surname_is_refused(catalogue_dir: Path) -> None:  # noqa: F811
    def surname(document: dict[str, Any]) -> None:
        record_type(document, "judgment_defaulter")["payload"]["surname"] = {"type": "string"}

    def condition(document: dict[str, Any]) -> None:
        entry = next(li for li in document["lists"] if li["id"] == "judgment_defaulters")["entry"]
        entry["conditions"] = [{"field": "surname", "op": "in", "value": ["Ma", "Ali"]}]

    edit_yaml(catalogue_dir, "record_types.yaml", surname)
    edit_yaml(catalogue_dir, "lists.yaml", condition)
    found = problems_of(catalogue_dir)
    assert any("lists[judgment_defaulters].entry.conditions" in p and "(G-14)" in p
               for p in found), found  # fmt: skip
