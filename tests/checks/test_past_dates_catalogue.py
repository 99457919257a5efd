"""The ``past_dates`` permission of a purpose (``Purpose.past_dates``): off by default, on for
the demo's procurement award, and refused at load for a purpose resting on the subject's own
transaction, which is decided on today's facts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from credo.catalog.loader import load_catalogue
from credo.errors import CatalogueError
from credo.settings import DEMO_CATALOG


def test_only_the_procurement_award_may_ask_about_past_dates() -> None:
    catalogue = load_catalogue(DEMO_CATALOG, "CN")
    allowed = {p.id for p in catalogue.purposes.values() if p.past_dates}
    assert allowed == {"procurement_award"}
    assert "procurement_award" in catalogue.relying_parties["procurement_centre"].purposes


def test_a_transaction_purpose_cannot_ask_about_past_dates(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, folder)
    path = folder / "purposes.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    airline = next(p for p in document["purposes"] if p["id"] == "air_ticket_sale")
    airline["past_dates"] = True
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder, "CN")
    [problem] = [str(p) for p in caught.value.problems]
    assert "purposes[air_ticket_sale].past_dates" in problem
    assert "G-34" in problem
