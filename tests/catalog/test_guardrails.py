"""Static guardrails of the catalogue: each test breaks one rule and expects the loader to
name the problem, its file and its key."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from credo.catalog.loader import load_catalogue
from credo.catalog.vocab import BANNED_DOMAIN_CONCEPTS, Domain
from credo.cli.main import app
from credo.errors import CatalogueError
from credo.settings import DEMO_CATALOG

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def catalogue_dir(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, target)
    return target


def edit_yaml(folder: Path, file: str, edit: Edit) -> None:
    path = folder / file
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def record_type(document: dict[str, Any], type_id: str) -> dict[str, Any]:
    return next(rt for rt in document["record_types"] if rt["id"] == type_id)


def problems_of(folder: Path, profile: str | None = None) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder, profile)
    return [str(p) for p in caught.value.problems]


def test_demo_catalogue_is_valid_under_every_profile() -> None:
    for profile in ("CN", "US-FCRA"):
        catalogue = load_catalogue(DEMO_CATALOG, profile)
        assert catalogue.profile.id == profile
        assert len(catalogue.record_types) >= 10


@pytest.mark.parametrize(
    "field",
    [
        "legal_basis",
        "issuing_authority_kind",
        "domain",
        "subject_kinds",
        "polarity",
        "severity_tier",
        "min_publicity",
        "max_effect",
        "retention_max",
        "evidence_kind",
        "exit_conditions",
        "repairable",
        "impact_assessment_ref",
    ],
)
def test_g01_record_type_without_required_field_is_rejected(
    catalogue_dir: Path, field: str
) -> None:
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "administrative_penalty").pop(field),
    )
    problems = problems_of(catalogue_dir)
    assert any(
        "record_types.yaml" in p
        and f"record_types[administrative_penalty].{field}" in p
        and "required" in p
        for p in problems
    ), problems


def test_g01_effect_above_profile_ceiling_is_rejected(catalogue_dir: Path) -> None:
    def five_years(d: dict[str, Any]) -> None:
        rt = record_type(d, "procurement_debarment")
        rt["max_effect"] = "5y"
        rt["retention_max"] = "6y"

    edit_yaml(catalogue_dir, "record_types.yaml", five_years)
    problems = problems_of(catalogue_dir)
    assert any(
        "procurement_debarment].max_effect" in p and "ceiling of 3y" in p for p in problems
    ), problems


def test_g01_repairable_needs_conditions(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "tax_arrears")["repairable"].update(conditions=[]),
    )
    assert any("tax_arrears].repairable" in p for p in problems_of(catalogue_dir))


@pytest.mark.parametrize(
    "domain",
    ["civic_behaviour", "political_loyalty", "religion", "family_harmony", "moral_conduct"],
)
def test_g02_forbidden_domain_cannot_be_declared(catalogue_dir: Path, domain: str) -> None:
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "tax_arrears").update(domain=domain),
    )
    problems = problems_of(catalogue_dir)
    assert any(
        "tax_arrears].domain" in p and "G-02" in p and "forbidden concept" in p for p in problems
    ), problems


def test_g02_unknown_domain_is_rejected(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "tax_arrears").update(domain="sports"),
    )
    assert any("unknown domain 'sports'" in p for p in problems_of(catalogue_dir))


def test_g02_domain_enum_contains_no_banned_concept() -> None:
    for member in Domain:
        assert not any(c in member.value for c in BANNED_DOMAIN_CONCEPTS), member


@pytest.mark.parametrize(
    "field",
    [
        "ethnicity",
        "religion",
        "political_opinion",
        "health_status",
        "biometric_template",
        "sexual_orientation",
        "trade_union_membership",
        "nationality",
        "gps_location",
        "family_members",
        "face_photo",
    ],
)
def test_g03_special_category_field_is_rejected(catalogue_dir: Path, field: str) -> None:
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "administrative_penalty")["payload"].update(
            {field: {"type": "string"}}
        ),
    )
    problems = problems_of(catalogue_dir)
    assert any(f"payload.{field}" in p and "G-03" in p for p in problems), problems


def test_g03_special_category_cannot_hide_behind_a_neutral_name(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "administrative_penalty")["payload"].update(
            {"attribute_7": {"type": "string", "category": "religion"}}
        ),
    )
    assert any("payload.attribute_7" in p for p in problems_of(catalogue_dir))


@pytest.mark.parametrize("scheme_id", ["face_id", "fingerprint_number", "gps_tracker"])
def test_g04_biometric_identifier_scheme_is_rejected(catalogue_dir: Path, scheme_id: str) -> None:
    edit_yaml(
        catalogue_dir,
        "schemes.yaml",
        lambda d: d["schemes"].append(
            {
                "id": scheme_id,
                "name": {"en": "x", "zh": "x"},
                "subject_kinds": ["person"],
                "pattern": "^[0-9]+$",
                "issuer": "x",
            }
        ),
    )
    assert any("G-04" in p for p in problems_of(catalogue_dir))


@pytest.mark.parametrize("kind", ["tip", "anonymous_report", "risk_signal", "model_output"])
def test_g05_tips_and_signals_are_not_evidence(catalogue_dir: Path, kind: str) -> None:
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "tax_arrears").update(evidence_kind=[kind]),
    )
    assert any("G-05" in p and kind in p for p in problems_of(catalogue_dir))


def test_g07_furnisher_remit_must_match_its_authority(catalogue_dir: Path) -> None:
    def tax_office_writes_court_records(d: dict[str, Any]) -> None:
        tax = next(f for f in d["furnishers"] if f["id"] == "city_tax_office")
        tax["remit"].append("judgment_defaulter")

    edit_yaml(catalogue_dir, "furnishers.yaml", tax_office_writes_court_records)
    problems = problems_of(catalogue_dir)
    assert any("furnishers[city_tax_office].remit" in p and "G-07" in p for p in problems)


def test_g07_criminal_types_only_for_official_authorities(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "judgment_defaulter").update(criminal=True),
    )
    edit_yaml(
        catalogue_dir,
        "furnishers.yaml",
        lambda d: next(f for f in d["furnishers"] if f["id"] == "city_court").update(
            official_authority=False
        ),
    )
    assert any("criminal" in p for p in problems_of(catalogue_dir))


def test_g08_activation_needs_thirty_days_of_notice(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "tax_arrears").update(
            published_at="2026-01-01", effective_from="2026-01-11"
        ),
    )
    assert any("G-08" in p and "10 days" in p for p in problems_of(catalogue_dir))


def test_unknown_key_and_every_problem_reported(catalogue_dir: Path) -> None:
    def two_faults(d: dict[str, Any]) -> None:
        record_type(d, "tax_arrears")["colour"] = "red"
        record_type(d, "administrative_penalty").pop("legal_basis")

    edit_yaml(catalogue_dir, "record_types.yaml", two_faults)
    problems = problems_of(catalogue_dir)
    assert any("tax_arrears].colour" in p and "unknown field" in p for p in problems)
    assert any("administrative_penalty].legal_basis" in p for p in problems)


def test_duplicate_ids_are_rejected(catalogue_dir: Path) -> None:
    edit_yaml(
        catalogue_dir, "furnishers.yaml", lambda d: d["furnishers"].append(dict(d["furnishers"][0]))
    )
    assert any("duplicate id" in p for p in problems_of(catalogue_dir))


def test_official_conduct_records_concern_persons_only(catalogue_dir: Path) -> None:
    """G-45: records on official conduct concern officials, who are persons."""
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "official_disciplinary_sanction").update(
            subject_kinds=["person", "organisation"]
        ),
    )
    assert any("G-45" in p for p in problems_of(catalogue_dir))


def test_cli_check_exits_zero_when_valid_and_lists_problems_otherwise(catalogue_dir: Path) -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["catalog", "check", str(catalogue_dir)])
    assert ok.exit_code == 0, ok.output
    assert "valid" in ok.output
    edit_yaml(
        catalogue_dir,
        "record_types.yaml",
        lambda d: record_type(d, "tax_arrears").update(domain="civic_behaviour"),
    )
    bad = runner.invoke(app, ["catalog", "check", str(catalogue_dir)])
    assert bad.exit_code == 1
    assert "record_types.yaml: record_types[tax_arrears].domain" in bad.output


def test_broken_yaml_names_the_file(catalogue_dir: Path) -> None:
    (catalogue_dir / "broken.yaml").write_text("record_types: [\n", "utf-8")
    assert any(
        p.startswith("broken.yaml") and "not valid YAML" in p for p in problems_of(catalogue_dir)
    )
