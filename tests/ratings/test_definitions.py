"""Load-time validation of rating definitions: every violation is a clear error with file and
key, and nothing is evaluated (fail closed)."""

from __future__ import annotations

import itertools
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.catalog.ratings import Bin, bin_gaps
from credo.errors import CatalogueError
from credo.settings import DEMO_CATALOG


def catalogue_with(tmp_path: Path, edit: Any) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, folder)
    document = yaml.safe_load((folder / "ratings.yaml").read_text(encoding="utf-8"))
    edit({r["id"]: r for r in document["ratings"]})
    (folder / "ratings.yaml").write_text(yaml.safe_dump(document, allow_unicode=True))
    return folder


def problems_of(folder: Path) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    return [str(p) for p in caught.value.problems]


def test_the_demo_ratings_load() -> None:
    ratings = load_catalogue(DEMO_CATALOG).ratings
    assert set(ratings) >= {
        "tax_credit_grade",
        "food_safety_grade",
        "contract_performance",
        "nyc_restaurant_grade",
    }


def test_an_input_from_another_domain_is_refused(tmp_path: Path) -> None:
    """G-13: no general-purpose score: a rating reads only its own domain's record types."""

    def edit(r: dict[str, Any]) -> None:
        r["tax_credit_grade"]["inputs"].append("administrative_penalty")

    found = problems_of(catalogue_with(tmp_path, edit))
    assert any("ratings.yaml: ratings[tax_credit_grade].inputs" in p and "G-13" in p for p in found)


def test_a_gap_between_bins_is_refused(tmp_path: Path) -> None:
    def edit(r: dict[str, Any]) -> None:
        r["tax_credit_grade"]["score"]["tables"][0]["bins"][1]["from"] = 1.5

    found = problems_of(catalogue_with(tmp_path, edit))
    assert any("score.tables[0]" in p and "gap or overlap" in p for p in found)


def test_a_broken_monotonicity_is_refused(tmp_path: Path) -> None:
    def edit(r: dict[str, Any]) -> None:
        r["tax_credit_grade"]["score"]["tables"][0]["bins"][3]["points"] = 5

    found = problems_of(catalogue_with(tmp_path, edit))
    assert any("declared decreasing" in p for p in found)


def test_a_band_order_against_the_declared_direction_is_refused(tmp_path: Path) -> None:
    def edit(r: dict[str, Any]) -> None:
        r["contract_performance"]["bands"]["rules"][0]["monotonic"] = "decreasing"

    found = problems_of(catalogue_with(tmp_path, edit))
    assert any("ratings[contract_performance].bands.rules[0]" in p for p in found)


def test_a_missing_value_without_treatment_is_refused(tmp_path: Path) -> None:
    def edit(r: dict[str, Any]) -> None:
        del r["nyc_restaurant_grade"]["features"][0]["missing"]

    found = problems_of(catalogue_with(tmp_path, edit))
    assert any("missing values need an explicit treatment" in p for p in found)


def test_a_formula_string_is_not_a_field(tmp_path: Path) -> None:
    def edit(r: dict[str, Any]) -> None:
        r["tax_credit_grade"]["formula"] = "100 - arrears_count * 5"

    found = problems_of(catalogue_with(tmp_path, edit))
    assert any("formula" in p and "unknown field" in p for p in found)


def test_an_unknown_payload_field_is_refused(tmp_path: Path) -> None:
    def edit(r: dict[str, Any]) -> None:
        r["food_safety_grade"]["features"][0]["field"] = "cleanliness"

    found = problems_of(catalogue_with(tmp_path, edit))
    assert any("no payload field 'cleanliness'" in p for p in found)


edges = st.lists(st.integers(min_value=-50, max_value=50), min_size=0, max_size=5, unique=True)


@given(edges)
def test_contiguous_bins_always_pass_and_any_shift_is_caught(cuts: list[int]) -> None:
    cuts = sorted(cuts)
    bounds: list[float | None] = [None, *map(float, cuts), None]
    bins = [Bin.model_validate({"from": a, "to": b}) for a, b in itertools.pairwise(bounds)]
    assert bin_gaps(bins, None) == []
    if len(bins) > 1:
        shifted = [*bins[:-1], Bin.model_validate({"from": (bins[-1].from_ or 0) + 0.5})]
        assert bin_gaps(shifted, None)


def test_computed_features_and_grids_are_checked_and_named_by_id(tmp_path: Path) -> None:
    """Issue 15: a computed feature names features of its rating, numbers only, never itself;
    it takes nothing a read feature takes; a banding over it needs a reason; a grid is for
    numbers, step or grid not both. Each problem names the feature by id. (The models are
    checked first, the cross-entry rules once they hold: two catalogues.)"""
    import copy

    from tests.ratings.fhrs import CATALOGUE, write_catalogue

    shapes = copy.deepcopy(CATALOGUE)
    shapes["ratings.yaml"]["ratings"][0]["features"][3] = {
        "id": "total_score",
        "op": "count",
        "record_types": ["hygiene_inspection"],
        "compute": {"sum": ["hygiene", "structure"]},
    }
    payload = shapes["record_types.yaml"]["record_types"][0]["payload"]
    payload["inspector_note"] = {"type": "string", "step": 5}
    payload["structure"]["grid"] = [0, 5]
    references = copy.deepcopy(CATALOGUE)
    fhrs = references["ratings.yaml"]["ratings"][0]
    fhrs["features"] += [
        {"id": "ghost", "compute": {"sum": ["hygiene", "nothing"]}},
        {"id": "loop_a", "compute": {"max": ["loop_b", "hygiene"]}},
        {"id": "loop_b", "compute": {"min": ["loop_a", "structure"]}},
    ]
    del fhrs["bands"]["rules"][1]["reason"]
    found = "\n".join(
        problems_of(write_catalogue(tmp_path / "shapes", shapes))
        + problems_of(write_catalogue(tmp_path / "references", references))
    )
    for expected in [
        "ratings[fhrs].features[total_score]: Value error, a computed feature takes id and "
        "compute only",
        "payload.inspector_note: Value error, step and grid are for integer and number fields",
        "payload.structure: Value error, give step or grid, not both",
        "ratings[fhrs].features[ghost].compute: sum names 'nothing', which is not a feature",
        "ratings[fhrs].features[loop_a].compute: 'loop_a' depends on itself: "
        "loop_a -> loop_b -> loop_a",
        "ratings[fhrs].bands.rules[1]: a banding over the computed feature 'worst_component' "
        "needs a reason",
    ]:
        assert expected in found, found


def test_postgres_queries_fence_the_features_and_the_points(catalogue: Catalogue) -> None:
    """Inlined, PostgreSQL's planner copies each feature's expression into every use:
    food_safety_grade's real-time query took about a second to plan (7 ms fenced). Every
    rating's PostgreSQL query materializes its features and points steps."""
    from credo.ratings.compiler import Probe, compile_rating

    probe = Probe(as_of=date(2026, 3, 1), subject_ids=(1, 2))
    for rating in catalogue.ratings.values():
        sql = compile_rating(rating, "postgres", probe)
        assert "feat AS MATERIALIZED" in sql and "scored AS MATERIALIZED" in sql, rating.key
