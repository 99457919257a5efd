"""Load-time guardrails of lists and measures: each test breaks one rule in a copy of the demo
catalogue and expects the loader to name it (and fails if the check is removed)."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from credo.catalog.loader import load_catalogue
from credo.checks.decide import plan_purposes
from credo.cli.main import app
from credo.errors import CatalogueError
from credo.settings import DEMO_CATALOG

CROSS_DOMAIN = {
    "no_air_travel",
    "no_rail_first_class",
    "procurement_exclusion_defaulter",
    "loan_review_defaulter",
    "approvals_green_channel",
    "bid_deposit_waiver",
    "easier_credit_a_grade",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, target)
    return target


def edit(folder: Path, file: str, entry_id: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / file
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    section = next(iter(document.values()))
    change(next(e for e in section if e["id"] == entry_id))
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def problems(folder: Path, profile: str | None = None) -> str:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder, profile)
    return "\n".join(str(p) for p in caught.value.problems)


def test_demo_is_valid_under_cn() -> None:
    catalogue = load_catalogue(DEMO_CATALOG, "CN")
    assert {"judgment_defaulters", "a_grade_taxpayers"} <= set(catalogue.lists)
    assert len(catalogue.measures) >= 8


def test_g10_eu_refuses_exactly_the_cross_domain_measures() -> None:
    text = problems(DEMO_CATALOG, "EU")
    refused = {line.split("measures[")[1].split("]")[0] for line in text.splitlines()}
    assert refused == CROSS_DOMAIN
    assert "forbids cross-domain measures (G-10)" in text


def test_g10_cli_reports_the_eu_problems() -> None:
    result = CliRunner().invoke(app, ["catalog", "check", str(DEMO_CATALOG), "--profile", "EU"])
    assert result.exit_code != 0
    assert "no_air_travel" in result.output + (result.stderr or "")


def test_g10_engine_rechecks_at_run_time() -> None:
    """A catalogue that escaped the loader still gets no cross-domain measure under EU."""
    catalogue = dataclasses.replace(load_catalogue(DEMO_CATALOG, "CN"), active_profile_id="EU")
    planned = {m.id for plan in plan_purposes(catalogue).values() for m in plan.measures}
    assert planned
    assert not planned & CROSS_DOMAIN


def test_g10_cross_domain_needs_a_basis_naming_the_list(folder: Path) -> None:
    edit(folder, "measures.yaml", "no_air_travel", lambda m: m.pop("cross_domain"))
    assert "measures[no_air_travel].cross_domain" in problems(folder)
    edit(
        folder,
        "measures.yaml",
        "loan_review_defaulter",
        lambda m: m["cross_domain"].update(names_lists=["procurement_debarred"]),
    )
    assert "measures[loan_review_defaulter].cross_domain" in problems(folder)


def test_g11_measure_never_heavier_than_its_trigger(folder: Path) -> None:
    edit(
        folder, "measures.yaml", "licensing_review_abnormal", lambda m: m.update(severity="serious")
    )
    assert "(G-11)" in problems(folder)


def test_g12_counting_needs_a_repeat_offence_basis(folder: Path) -> None:
    edit(
        folder,
        "lists.yaml",
        "abnormal_operations_focus",
        lambda li: li["entry"].update(min_count=3),
    )
    assert "(G-12)" in problems(folder)
    edit(
        folder,
        "lists.yaml",
        "abnormal_operations_focus",
        lambda li: li["entry"].update(repeat_offence={"article": "Art. 99", "window": "1y"}),
    )
    load_catalogue(folder)


def test_g15_rewards_only_from_red_lists_and_no_positive_trigger_for_black(folder: Path) -> None:
    edit(
        folder,
        "measures.yaml",
        "bid_deposit_waiver",
        lambda m: m.update(triggered_by=["procurement_debarred"]),
    )
    assert "(G-15)" in problems(folder)


def test_g15_negative_list_is_not_entered_by_a_positive_record(folder: Path) -> None:
    edit(
        folder,
        "lists.yaml",
        "judgment_defaulters",
        lambda li: li["entry"].update(record_types=["judgment_performance"]),
    )
    assert "lists[judgment_defaulters].entry.record_types" in problems(folder)


def test_g17_no_measure_reaches_relatives(folder: Path) -> None:
    edit(
        folder,
        "measures.yaml",
        "no_star_hotels",
        lambda m: m.update(id="no_private_school_for_children"),
    )
    assert "(G-17)" in problems(folder)


def test_g18_a_list_cannot_take_subjects_its_records_never_concern(folder: Path) -> None:
    edit(
        folder,
        "lists.yaml",
        "abnormal_operations_focus",
        lambda li: li.update(subject_kinds=["organisation", "person"]),
    )
    assert "(G-18)" in problems(folder)


def test_g21_minors_cannot_be_authorised_on_negative_lists(folder: Path) -> None:
    edit(folder, "lists.yaml", "judgment_defaulters", lambda li: li.update(minors_authorised=True))
    assert "(G-21)" in problems(folder)


def test_g34_measure_outside_its_purpose_domains(folder: Path) -> None:
    edit(folder, "measures.yaml", "no_air_travel", lambda m: m.update(purposes=["consumer_loan"]))
    assert "(G-34)" in problems(folder)


@pytest.mark.parametrize(
    ("file", "entry_id", "change", "where"),
    [
        ("lists.yaml", "judgment_defaulters", lambda e: e.pop("max_term"), "max_term"),
        (
            "lists.yaml",
            "judgment_defaulters",
            lambda e: e.update(exit_conditions=[]),
            "exit_conditions",
        ),
        ("measures.yaml", "no_air_travel", lambda e: e.pop("max_duration"), "max_duration"),
    ],
)
def test_g44_no_permanent_lists_or_measures(
    folder: Path, file: str, entry_id: str, change: Callable[[dict[str, Any]], None], where: str
) -> None:
    edit(folder, file, entry_id, change)
    text = problems(folder)
    assert f"[{entry_id}].{where}" in text
    assert "(G-44)" in text


def test_list_term_within_the_profile_ceiling(folder: Path) -> None:
    edit(folder, "lists.yaml", "a_grade_taxpayers", lambda li: li.update(max_term="3y"))
    assert "lists[a_grade_taxpayers].max_term" in problems(folder)


def test_unknown_references_are_named(folder: Path) -> None:
    edit(folder, "measures.yaml", "no_air_travel", lambda m: m.update(triggered_by=["nope"]))
    edit(folder, "relying_parties.yaml", "demo_bank", lambda r: r.update(purposes=["spying"]))
    text = problems(folder)
    assert "unknown list 'nope'" in text
    assert "unknown purpose 'spying'" in text


def test_no_wildcard_triggers_and_no_free_form_rules(folder: Path) -> None:
    edit(folder, "measures.yaml", "no_air_travel", lambda m: m.update(triggered_by=["*"]))
    edit(
        folder,
        "lists.yaml",
        "judgment_defaulters",
        lambda li: li["entry"].update(conditions=[{"field": "amount", "op": "not", "value": 1}]),
    )
    text = problems(folder)
    assert "measures[no_air_travel].triggered_by" in text
    assert "lists[judgment_defaulters].entry.conditions" in text
