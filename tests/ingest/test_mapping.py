"""Mapping validation: a valid mapping loads; every invalid one is an error naming its key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from credo.catalog.catalogue import Catalogue
from credo.errors import ValidationFailed
from credo.ingest.mapping import check_against_catalogue, load_mapping, parse_mapping

from .conftest import NYC_MAPPING


def nyc() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(NYC_MAPPING.read_text())
    return data


def test_the_shipped_nyc_mapping_is_valid(catalogue: Catalogue) -> None:
    mapping, content = load_mapping(NYC_MAPPING)
    assert content == NYC_MAPPING.read_bytes()
    assert mapping.furnisher == "nyc_dohmh"
    check_against_catalogue(mapping, catalogue, "nyc_dohmh")
    assert {"camis", "inspection_date", "inspection_type"} <= mapping.used_columns()


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (lambda d: d.pop("occurred_on"), "occurred_on"),
        (lambda d: d.pop("provenance"), "provenance"),
        (lambda d: d.update(colour="red"), "colour"),
        (lambda d: d["subject"].update(identifiers=[]), "subject.identifiers"),
        (lambda d: d["payload"]["score"].update(column=""), "payload.score.column"),
        (lambda d: d["payload"]["grade"].update(split={"separator": ""}), "payload.grade.split"),
        (lambda d: d.update(record_type_column="type"), "record_type"),
        (lambda d: d["subject"].update(kind_column="k"), "kind_column"),
        (lambda d: d["subject"].update(kind="family"), "subject.kind"),
        (lambda d: d["source_ref"].update(template="{camis:"), "source_ref.template"),
        (lambda d: d["source_ref"].update(template="{ }"), "source_ref.template"),
        (lambda d: d["source_ref"].update(template="camis}"), "source_ref.template"),
        (lambda d: d["payload"].update(religion={"column": "r"}), "payload.religion"),
        (lambda d: d["required"]["inspection_type"].update(reason="Bad Reason"), "reason"),
        (lambda d: d.update(finality="pending_appeal"), "finality"),
    ],
)
def test_an_invalid_mapping_names_the_key(change: Any, key: str) -> None:
    data = nyc()
    change(data)
    with pytest.raises(ValidationFailed) as error:
        parse_mapping(data)
    assert error.value.code == "invalid_mapping"
    assert key in error.value.detail


def test_a_mapping_must_be_an_object_and_valid_yaml(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed, match="YAML object"):
        parse_mapping(["not", "a", "mapping"])
    broken = tmp_path / "broken.yaml"
    broken.write_text("furnisher: [unclosed\n")
    with pytest.raises(ValidationFailed, match="not valid YAML"):
        load_mapping(broken)
    with pytest.raises(ValidationFailed, match="cannot read mapping"):
        load_mapping(tmp_path / "missing.yaml")


@pytest.mark.parametrize(
    ("change", "furnisher", "key"),
    [
        (lambda d: None, "nobody", "furnisher"),
        (lambda d: d.update(record_type="social_score"), "nyc_dohmh", "record_type"),
        (
            lambda d: d["payload"].update(cuisine={"column": "cuisine_code"}),
            "nyc_dohmh",
            "payload.cuisine",
        ),
        (
            lambda d: d["subject"]["identifiers"][0].update(scheme="ssn"),
            "nyc_dohmh",
            "subject.identifiers.0.scheme",
        ),
    ],
)
def test_catalogue_problems_are_mapping_errors(
    catalogue: Catalogue, change: Any, furnisher: str, key: str
) -> None:
    data = nyc()
    change(data)
    with pytest.raises(ValidationFailed) as error:
        check_against_catalogue(parse_mapping(data), catalogue, furnisher)
    assert key in error.value.detail
