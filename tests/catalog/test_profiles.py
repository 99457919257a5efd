"""G-01 and GUARDRAILS.md part 4: the jurisdiction profiles are built in, versioned and cite a
source for every value; a catalogue selects one and may only tighten it. `credo catalog check`
honours CREDO_CATALOG_PATH."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from credo.catalog.loader import load_catalogue
from credo.catalog.models import Duration, Profile
from credo.catalog.profiles import RULES, at_most, builtin_profiles
from credo.catalog.vocab import SeverityTier
from credo.cli.main import app
from credo.errors import CatalogueError
from credo.settings import DEMO_CATALOG

TIGHTEN_ONLY = "(G-01: a catalogue may only tighten its profile"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, target)
    return target


def select(folder: Path, profile_id: str, **values: Any) -> None:
    """Make the catalogue select ``profile_id`` and tighten it with ``values``."""
    registry = yaml.safe_load((folder / "registry.yaml").read_text("utf-8"))
    registry["registry"]["profile"] = profile_id
    (folder / "registry.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True), "utf-8")
    document = {"profiles": [{"id": profile_id, **values}]}
    (folder / "profiles.yaml").write_text(yaml.safe_dump(document, allow_unicode=True), "utf-8")


def problems_of(folder: Path, profile: str | None = None) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder, profile)
    return [str(p) for p in caught.value.problems]


# --- the built-in profiles ------------------------------------------------------------------


def test_builtin_profiles_ship_as_package_data() -> None:
    files = {f.name for f in resources.files("credo.catalog.profiles").iterdir()}
    assert {"cn.yaml", "eu.yaml", "us-fcra.yaml"} <= files
    assert set(builtin_profiles()) == {"CN", "EU", "US-FCRA"}


@pytest.mark.parametrize("profile_id", ["CN", "EU", "US-FCRA"])
def test_builtin_profile_is_versioned_and_every_value_has_a_source(profile_id: str) -> None:
    profile = builtin_profiles()[profile_id]
    assert profile.version >= 1
    assert set(profile.sources) == set(Profile.value_keys())
    for key, source in profile.sources.items():
        assert len(source.strip()) > 10, (key, source)
    assert profile.assessment_validity == Duration.model_validate("3y")
    assert "assessment_validity" in profile.sources


def test_every_profile_value_has_a_strictness_rule() -> None:
    """docs/catalogue.md's table and RULES cover every key a catalogue may tighten."""
    keys = {k for k in Profile.value_keys() if not k.startswith("effect_ceiling.")}
    assert keys | {"effect_ceiling.min", "effect_ceiling.max"} == set(RULES)
    table = (Path(__file__).parents[2] / "docs" / "catalogue.md").read_text("utf-8")
    for key in RULES:
        assert f"`{key}`" in table, key


def test_builtin_values_are_the_former_demo_values() -> None:
    profiles = builtin_profiles()
    cn, eu, us = profiles["CN"], profiles["EU"], profiles["US-FCRA"]
    assert (cn.dispute_deadline_days, eu.dispute_deadline_days, us.dispute_deadline_days) == (
        20,
        30,
        30,
    )
    assert us.dispute_extension_days == 15
    assert str(cn.effect_ceiling[SeverityTier.SERIOUS].max) == "3y"
    assert str(cn.effect_ceiling[SeverityTier.GENERAL].min) == "3m"
    assert eu.effect_ceiling[SeverityTier.GENERAL].min is None
    assert (cn.cross_domain_measures, eu.cross_domain_measures, us.cross_domain_measures) == (
        "law_or_policy_named",
        "forbidden",
        "statute_named",
    )
    assert str(us.consumer_credit_max) == "7y"
    assert eu.correction_lookback_days is None
    assert cn.free_reports_per_year == 2


def test_a_profile_value_without_a_source_is_refused() -> None:
    data = builtin_profiles()["CN"].model_dump(mode="json")
    del data["sources"]["repair_decision_days"]
    with pytest.raises(ValueError, match="repair_decision_days"):
        Profile.model_validate(data)


# --- a catalogue may only tighten -----------------------------------------------------------


def test_demo_selects_cn_and_tightens_it() -> None:
    catalogue = load_catalogue(DEMO_CATALOG)
    assert catalogue.active_profile_id == "CN"
    assert catalogue.profile.free_reports_per_year == 4
    assert "Demo City" in catalogue.profile.sources["free_reports_per_year"]
    assert catalogue.profile.dispute_deadline_days == 20  # untouched values stay built in
    assert catalogue.profiles["EU"] == builtin_profiles()["EU"]


def test_g01_loosened_effect_ceiling_is_refused(folder: Path) -> None:
    select(folder, "CN", effect_ceiling={"serious": {"max": "100y"}})
    assert problems_of(folder) == [
        "profiles.yaml: profiles[CN].effect_ceiling.serious.max: 100y is looser than the "
        "built-in CN profile's 3y (G-01: a catalogue may only tighten its profile)"
    ]


def test_g01_loosened_deadline_is_refused(folder: Path) -> None:
    select(folder, "CN", dispute_deadline_days=30)
    assert problems_of(folder) == [
        "profiles.yaml: profiles[CN].dispute_deadline_days: 30 is looser than the built-in CN "
        "profile's 20 (G-01: a catalogue may only tighten its profile; this value serves G-27)"
    ]


def test_g01_loosened_cross_domain_measures_is_refused(folder: Path) -> None:
    select(folder, "US-FCRA", cross_domain_measures="law_or_policy_named")
    assert problems_of(folder) == [
        "profiles.yaml: profiles[US-FCRA].cross_domain_measures: law_or_policy_named is looser "
        "than the built-in US-FCRA profile's statute_named (G-01: a catalogue may only tighten "
        "its profile; this value serves G-10)"
    ]


def test_g01_minors_on_negative_lists_cannot_be_switched_on(folder: Path) -> None:
    select(folder, "CN", minors_on_negative_lists=True)
    assert problems_of(folder) == [
        "profiles.yaml: profiles[CN].minors_on_negative_lists: true is looser than the built-in "
        "CN profile's false (G-01: a catalogue may only tighten its profile; this value serves "
        "G-21)"
    ]


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"objection_window_days": 10}, "objection_window_days"),  # the subject's window
        ({"catalogue_comment_days": 30, "inquiry_retention_days": 400}, "inquiry_retention_days"),
        ({"correction_lookback_days": 365}, "correction_lookback_days"),
        ({"free_reports_per_year": 1}, "free_reports_per_year"),
        ({"consumer_credit_max": "61m"}, "consumer_credit_max"),
        ({"assessment_validity": "1096d"}, "assessment_validity"),  # 3y can be 1,095 days
        ({"effect_ceiling": {"minor": {"max": "92d"}}}, "effect_ceiling.minor.max"),
        ({"effect_ceiling": {"general": {"min": "4m"}}}, "effect_ceiling.general.min"),
    ],
)
def test_g01_every_kind_of_loosening_is_refused(
    folder: Path, values: dict[str, Any], key: str
) -> None:
    select(folder, "CN", **values)
    problems = problems_of(folder)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"profiles.yaml: profiles[CN].{key}: ")
    assert "is looser than the built-in CN profile's" in problems[0]
    assert TIGHTEN_ONLY in problems[0]


@pytest.mark.parametrize(
    ("shorter", "longer", "expected"),
    [("12m", "1y", True), ("1y", "12m", True), ("365d", "1y", True), ("366d", "1y", False),
     ("89d", "3m", True), ("90d", "3m", False), ("30d", "1m", False), ("2y", "3y", True)],
)  # fmt: skip
def test_periods_compare_whatever_the_start_date(shorter: str, longer: str, expected: bool) -> None:
    parse = Duration.model_validate
    assert at_most(parse(shorter), parse(longer)) is expected


def test_eu_correction_lookback_null_means_every_recipient(folder: Path) -> None:
    select(folder, "EU", correction_lookback_days=3650)
    assert any(
        "correction_lookback_days: 3650 is looser than the built-in EU profile's null "
        "(every recipient)" in p
        for p in problems_of(folder)
    )


def test_g01_tightened_profile_is_accepted_and_takes_effect(folder: Path) -> None:
    select(
        folder,
        "CN",
        dispute_deadline_days=15,
        cross_domain_measures="law_or_policy_named",
        objection_window_days=20,
        correction_lookback_days=None,
        consumer_credit_max="48m",
        assessment_validity="12m",
        effect_ceiling={"serious": {"min": "6m"}},
        sources={"dispute_deadline_days": "Demo City charter art. 3: 15 days"},
    )
    catalogue = load_catalogue(folder)
    profile = catalogue.profile
    assert profile.dispute_deadline_days == 15
    assert profile.sources["dispute_deadline_days"] == "Demo City charter art. 3: 15 days"
    assert profile.sources["objection_window_days"].startswith(
        "tightened by the catalogue (profiles.yaml)"
    )
    assert profile.objection_window_days == 20
    assert profile.correction_lookback_days is None
    assert str(profile.assessment_validity) == "12m"
    serious = profile.effect_ceiling[SeverityTier.SERIOUS]
    assert (str(serious.min), str(serious.max)) == ("6m", "3y")  # max kept from CN
    assert catalogue.profiles["EU"] == builtin_profiles()["EU"]


def test_a_tightened_ceiling_binds_the_record_types(folder: Path) -> None:
    select(folder, "CN", effect_ceiling={"serious": {"max": "2y"}})
    problems = problems_of(folder)
    assert any(
        "record_types[judgment_defaulter].max_effect: 3y exceeds the CN ceiling of 2y" in p
        for p in problems
    ), problems


def test_profile_option_still_selects_another_builtin_profile(folder: Path) -> None:
    select(folder, "CN", free_reports_per_year=6)
    catalogue = load_catalogue(folder, "US-FCRA")
    assert catalogue.profile == builtin_profiles()["US-FCRA"]
    assert catalogue.profiles["CN"].free_reports_per_year == 6


@pytest.mark.parametrize(
    ("profile_id", "values", "expected"),
    [
        ("CN", {"id": "XX"}, "'XX' is not a built-in profile"),
        ("CN", {"id": "EU"}, "the catalogue selects CN (registry.profile); it may tighten"),
        ("CN", {"name": "Mine"}, "profiles[CN].name: is set by the built-in CN profile"),
        ("CN", {"version": 9}, "profiles[CN].version: is set by the built-in CN profile"),
        ("CN", {"colour": "red"}, "profiles[CN].colour: unknown field (not allowed)"),
        ("CN", {"dispute_deadline_days": 0}, "profiles[CN].dispute_deadline_days"),
        (
            "CN",
            {"sources": {"repair_decision_days": "x" * 20}},
            "a catalogue gives a source only for a value it tightens",
        ),
    ],
)
def test_a_catalogue_cannot_define_or_rename_profiles(
    folder: Path, profile_id: str, values: dict[str, Any], expected: str
) -> None:
    select(folder, profile_id)
    document = {"profiles": [{"id": profile_id, **values}]}
    (folder / "profiles.yaml").write_text(yaml.safe_dump(document), "utf-8")
    problems = problems_of(folder)
    assert any(expected in p for p in problems), problems


def test_registry_must_name_a_builtin_profile(folder: Path) -> None:
    select(folder, "CN")
    (folder / "profiles.yaml").unlink()
    registry = yaml.safe_load((folder / "registry.yaml").read_text("utf-8"))
    registry["registry"]["profile"] = "MARS"
    (folder / "registry.yaml").write_text(yaml.safe_dump(registry), "utf-8")
    assert problems_of(folder) == [
        "registry.yaml: registry.profile: 'MARS' is not a built-in profile "
        "(built in: CN, EU, US-FCRA)"
    ]


def test_a_catalogue_without_profiles_yaml_uses_the_builtin_profile(folder: Path) -> None:
    (folder / "profiles.yaml").unlink()
    assert load_catalogue(folder).profile == builtin_profiles()["CN"]


# --- credo catalog check --------------------------------------------------------------------


def test_cli_check_honours_credo_catalog_path(folder: Path) -> None:
    select(folder, "CN", effect_ceiling={"serious": {"max": "100y"}})
    runner = CliRunner()
    result = runner.invoke(app, ["catalog", "check"], env={"CREDO_CATALOG_PATH": str(folder)})
    assert result.exit_code == 1, result.output
    assert f"checking {folder.resolve()}" in result.output
    assert "profiles[CN].effect_ceiling.serious.max: 100y is looser" in result.output
    demo = runner.invoke(app, ["catalog", "check"], env={"CREDO_CATALOG_PATH": None})
    assert demo.exit_code == 0, demo.output
    assert f"checking {DEMO_CATALOG.resolve()}" in demo.output
    assert "profile CN: built-in version 1, tightened by profiles.yaml" in demo.output


def test_cli_check_path_argument_wins_over_the_environment(folder: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["catalog", "check", str(folder)], env={"CREDO_CATALOG_PATH": str(tmp_path / "no")}
    )
    assert result.exit_code == 0, result.output
    assert f"checking {folder.resolve()}" in result.output
