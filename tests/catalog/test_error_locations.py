"""Validation errors name a list item by its id, not its index (issue 15): a catalogue editor
reads ``features[long_overdue].op``, not ``features.1.op``, in every catalogue file."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from credo.catalog.loader import located
from credo.settings import DEMO_CATALOG
from tests.catalog.test_guardrails import edit_yaml, problems_of


def _entry(document: dict[str, Any], section: str, entry_id: str) -> dict[str, Any]:
    return next(item for item in document[section] if item["id"] == entry_id)


def test_a_feature_is_named_by_its_id_and_a_bin_by_its_index(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, folder)

    def break_rating(document: dict[str, Any]) -> None:
        rating = _entry(document, "ratings", "tax_credit_grade")
        rating["features"][1]["op"] = "median"
        rating["score"]["tables"][1]["bins"][0]["points"] = "many"

    def break_measure(document: dict[str, Any]) -> None:
        _entry(document, "measures", "no_air_travel")["legal_basis"]["text"] = "short"

    edit_yaml(folder, "ratings.yaml", break_rating)
    edit_yaml(folder, "measures.yaml", break_measure)
    found = problems_of(folder)
    keys = [problem.split(": ")[1] for problem in found]
    assert "ratings[tax_credit_grade].features[long_overdue].op" in keys, found
    assert "ratings[tax_credit_grade].score.tables[1].bins[0].points" in keys, found
    assert "measures[no_air_travel].legal_basis.text" in keys, found
    assert not any(".1." in key or ".0." in key for key in keys), found


@pytest.mark.parametrize(
    ("loc", "body", "expected"),
    [
        (("features", 0, "op"), {"features": [{"id": "hygiene"}]}, "features[hygiene].op"),
        (("bins", 2, "to"), {"bins": [{}, {}, {"to": "x"}]}, "bins[2].to"),
        (("payload", "fine", "type"), {"payload": {"fine": {}}}, "payload.fine.type"),
        (("features", 7), {"features": []}, "features[7]"),
        ((), {}, ""),
    ],
)
def test_located_reads_ids_from_the_raw_yaml(
    loc: tuple[int | str, ...], body: Any, expected: str
) -> None:
    assert located(loc, body) == expected
