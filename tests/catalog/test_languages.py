"""A registry declares its languages (``registry.languages``): every name and sentence of
its catalogue, and every label, must exist in each of them, and nothing more. An English-only
registry writes no Chinese, and its portal offers English alone."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from typer.testing import CliRunner

from credo.catalog.loader import CatalogueError, load_catalogue
from credo.cli.main import app as cli
from credo.context import build_context
from credo.settings import DEMO_CATALOG, Settings
from credo.web.api.app import create_app


def _without_chinese(node: Any) -> Any:
    """The same YAML with every ``zh`` text removed."""
    if isinstance(node, dict):
        return {k: _without_chinese(v) for k, v in node.items() if not (k == "zh" and "en" in node)}
    if isinstance(node, list):
        return [_without_chinese(item) for item in node]
    return node


def _rewrite(path: Path, edit: Any) -> None:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document = edit(document)
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")


@pytest.fixture
def english_only(tmp_path: Path) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, folder)
    (folder / "labels_zh.yaml").unlink()
    for path in folder.glob("*.yaml"):
        _rewrite(path, _without_chinese)

    def english(document: dict[str, Any]) -> dict[str, Any]:
        document["registry"]["languages"] = ["en"]
        return document

    _rewrite(folder / "registry.yaml", english)
    return folder


def test_an_english_only_registry_writes_no_chinese(english_only: Path) -> None:
    result = CliRunner().invoke(cli, ["catalog", "check", str(english_only)])
    assert result.exit_code == 0, result.output
    catalogue = load_catalogue(english_only)
    assert catalogue.registry.languages == ["en"]
    assert catalogue.ratings["tax_credit_grade"].name.zh is None


def test_a_bilingual_registry_names_each_missing_translation(tmp_path: Path) -> None:
    folder = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, folder)

    def drop(document: dict[str, Any]) -> dict[str, Any]:
        del document["ratings"][0]["name"]["zh"]
        return document

    _rewrite(folder / "ratings.yaml", drop)
    with pytest.raises(CatalogueError) as failed:
        load_catalogue(folder)
    assert (
        "ratings.yaml: ratings[tax_credit_grade].name: no zh text (registry.languages: en, zh)"
        in str(failed.value)
    )


@pytest.mark.parametrize(
    ("languages", "language", "said"),
    [
        (["zh"], "zh", "must include en"),
        (["en"], "zh", "language 'zh' is not one of registry.languages (en)"),
        (["en", "fr"], "en", "registry.languages[1]"),
    ],
)
def test_registry_languages_are_checked(
    english_only: Path, languages: list[str], language: str, said: str
) -> None:
    def edit(document: dict[str, Any]) -> dict[str, Any]:
        document["registry"]["languages"] = languages
        document["registry"]["language"] = language
        return document

    _rewrite(english_only / "registry.yaml", edit)
    with pytest.raises(CatalogueError) as failed:
        load_catalogue(english_only)
    assert said in str(failed.value)


def test_the_portal_of_an_english_only_registry_offers_english_alone(
    english_only: Path, engine: Engine, database_url: str
) -> None:
    ctx = build_context(Settings(database_url=database_url), engine=engine)
    ctx.catalogue = load_catalogue(english_only)
    with TestClient(create_app(ctx)) as client:
        page = client.get("/catalogue", headers={"accept-language": "zh-CN"})
        assert page.status_code == 200
        assert '<html lang="en">' in page.text
        assert "/lang/zh" not in page.text and "中文" not in page.text
        switched = client.get("/lang/zh", follow_redirects=False)
        assert "credo_lang" not in switched.headers.get("set-cookie", "")
