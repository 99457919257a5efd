"""The generated catalogue reference (issue 15): docs/catalogue-reference.md and docs/schemas/
are what `credo catalog reference` writes from the models today, the schemas accept the demo
catalogue and mapping and refuse what the loader refuses, and every guardrail the reference
names sits on a real field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
import yaml
from pydantic import BaseModel

from credo.catalog.reference import (
    COMMAND,
    DOC_NAME,
    FIELD_GUARDRAILS,
    SCHEMA_FOLDER,
    catalogue_files,
    markdown,
    schemas,
)
from credo.ingest.mapping import Mapping
from credo.settings import DEMO_CATALOG

DOCS = Path(__file__).resolve().parents[2] / "docs"
MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
STALE = f"is stale: run `{COMMAND}` (writes docs/{DOC_NAME} and docs/{SCHEMA_FOLDER}/) and commit"


@pytest.fixture(scope="module")
def made() -> dict[str, dict[str, Any]]:
    return schemas(Mapping)


def test_the_committed_reference_is_what_the_models_generate(
    made: dict[str, dict[str, Any]],
) -> None:
    page = DOCS / DOC_NAME
    page_text = page.read_text(encoding="utf-8") if page.exists() else None
    assert page_text == markdown(Mapping), f"{page} {STALE}"
    folder = DOCS / SCHEMA_FOLDER
    committed = {p.name for p in folder.glob("*.schema.json")}
    assert committed == set(made), f"{folder} {STALE}"
    for name, schema in made.items():
        text = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
        assert (folder / name).read_text(encoding="utf-8") == text, f"{folder / name} {STALE}"


def _as_typed(document: Any) -> Any:
    """A YAML document as an editor's language server sees it (dates are text)."""
    return json.loads(json.dumps(document, default=str))


def test_the_schemas_accept_the_demo_catalogue_and_mapping(
    made: dict[str, dict[str, Any]],
) -> None:
    every = jsonschema_rs.validator_for(made["catalogue.schema.json"])
    for path in sorted(DEMO_CATALOG.glob("*.yaml")):
        document = _as_typed(yaml.safe_load(path.read_text(encoding="utf-8")))
        for section in document:
            one = jsonschema_rs.validator_for(made[f"{section}.schema.json"])
            errors = [e.message for e in one.iter_errors({section: document[section]})]
            assert errors == [], f"{path.name}: {errors[:3]}"
        assert every.is_valid(document), path.name
    mapping = jsonschema_rs.validator_for(made["mapping.schema.json"])
    for path in sorted(MAPPINGS.glob("*.yaml")):
        document = _as_typed(yaml.safe_load(path.read_text(encoding="utf-8")))
        assert mapping.is_valid(document), path.name


def test_the_schemas_refuse_an_unknown_key_an_unknown_domain_and_a_bad_period(
    made: dict[str, dict[str, Any]],
) -> None:
    document = _as_typed(yaml.safe_load((DEMO_CATALOG / "record_types.yaml").read_text()))
    validator = jsonschema_rs.validator_for(made["record_types.schema.json"])
    for key, value in (("colour", "red"), ("domain", "civic_behaviour"), ("max_effect", "3 y")):
        broken = json.loads(json.dumps(document))
        broken["record_types"][0][key] = value
        assert not validator.is_valid(broken), key


def _model_fields(model: type[BaseModel]) -> dict[str, set[str]]:
    """Every model reachable from ``model``, by class name and module.class, to its fields."""
    found: dict[str, set[str]] = {}

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names = {f.alias or n for n, f in annotation.model_fields.items()}
            short = annotation.__module__.rsplit(".", 1)[-1]
            qualified = f"{short}.{annotation.__name__}"
            if qualified in found:
                return
            found[qualified] = names
            found.setdefault(annotation.__name__, names)
            for field in annotation.model_fields.values():
                visit(field.annotation)
            return
        for arg in getattr(annotation, "__args__", ()):
            visit(arg)

    visit(model)
    return found


def test_every_guardrail_in_the_reference_names_a_real_field() -> None:
    fields: dict[str, set[str]] = {}
    for model in [f.model for f in catalogue_files()] + [Mapping]:
        fields.update(_model_fields(model))
    unknown = [key for key in FIELD_GUARDRAILS if key[1] not in fields.get(key[0], set())]
    assert unknown == [], f"FIELD_GUARDRAILS names fields that do not exist: {unknown}"
