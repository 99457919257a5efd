"""Words, not codes (issue 15): the catalogue labels every code a reader may meet (payload
fields and enum values, bands and rating outcomes, exit conditions) in every portal language,
and translates its legal bases and repair conditions; `credo catalog check` names each one
without a label, and each label that names nothing, by file and key."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from credo.catalog.label_checks import label_problems
from credo.catalog.labels import term
from credo.catalog.loader import load_catalogue
from credo.catalog.models import Duration
from credo.cli.main import app
from credo.settings import DEMO_CATALOG
from credo.web.portal.i18n import LANGUAGES


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, target)
    return target


def _edit_labels(folder: Path, lang: str, edit: Any) -> None:
    path = folder / f"labels_{lang}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(document["labels"])
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


def test_the_demo_catalogue_has_a_word_for_everything_in_every_portal_language() -> None:
    catalogue = load_catalogue(DEMO_CATALOG)
    assert label_problems(catalogue, LANGUAGES) == []
    assert set(catalogue.labels.languages) == set(LANGUAGES)


def test_check_names_a_missing_label_and_a_stale_one_by_file_and_key(folder: Path) -> None:
    def edit(labels: dict[str, Any]) -> None:
        del labels["payload"]["judgment_defaulter"]["obligation"]["values"]["pay_money"]
        del labels["legal_bases"]["lists"]["judgment_defaulters"]
        labels["bands"]["contract_performance"]["superb"] = "卓越"

    _edit_labels(folder, "zh", edit)
    result = CliRunner().invoke(app, ["catalog", "check", str(folder)])
    assert result.exit_code == 1
    said = result.output + (result.stderr or "")
    key = "labels_zh.yaml: labels[zh]"
    assert f"{key}.payload.judgment_defaulter.obligation.values.pay_money: no label in zh" in said
    assert f"{key}.legal_bases.lists.judgment_defaulters: no label in zh" in said
    assert f"{key}.bands.contract_performance.superb: not a band of contract_performance" in said
    # English needs words for codes, but no translation of the catalogue's own sentences
    problems = label_problems(load_catalogue(folder), LANGUAGES)
    assert not [p for p in problems if p.key.startswith("labels[en]")]


def test_a_catalogue_without_labels_loads_and_shows_codes_as_words(folder: Path) -> None:
    (folder / "labels_zh.yaml").unlink()
    catalogue = load_catalogue(folder)  # the service starts; only the check complains
    words = catalogue.labels.words("zh")
    assert words.value("judgment_defaulter", "obligation", "pay_money") == "Pay money"
    assert words.value("judgment_defaulter", "obligation", "unknown_code") == "unknown code"
    missing = label_problems(catalogue, LANGUAGES)
    assert missing and all(p.file == "labels_zh.yaml (missing)" for p in missing)


def test_terms_are_words_in_each_language() -> None:
    assert term(Duration.model_validate("3y"), "en") == "3 years"
    assert term(Duration.model_validate("1m"), "en") == "1 month"
    assert term(Duration.model_validate("3y"), "zh") == "3年"
