"""Loads a catalogue folder of YAML files into typed models, collecting every problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from credo.catalog.catalogue import Catalogue
from credo.catalog.guardrails import catalogue_problems, pre_validation_problems
from credo.catalog.lists import ListDef, MeasureDef, Purpose, RelyingParty
from credo.catalog.models import Furnisher, IdentifierScheme, Profile, RecordType, Registry
from credo.catalog.problems import Problem
from credo.catalog.ratings import RatingDef
from credo.errors import CatalogueError

M = TypeVar("M", bound=BaseModel)

SECTIONS: dict[str, type[BaseModel]] = {
    "profiles": Profile,
    "schemes": IdentifierScheme,
    "record_types": RecordType,
    "furnishers": Furnisher,
    "ratings": RatingDef,
    "lists": ListDef,
    "measures": MeasureDef,
    "purposes": Purpose,
    "relying_parties": RelyingParty,
}


def load_catalogue(path: Path, profile: str | None = None) -> Catalogue:
    """Load and validate the catalogue at ``path``; raise CatalogueError listing every problem."""
    problems: list[Problem] = []
    raw = _read_files(path, problems)
    entries: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    origins: dict[tuple[str, str], str] = {}
    registry: Registry | None = None
    for file_name, document in raw:
        for section, body in document.items():
            if section == "registry":
                registry = _validate_one(Registry, body, file_name, "registry", problems)
                continue
            model = SECTIONS.get(section)
            if model is None:
                known = ", ".join(["registry", *SECTIONS])
                problems.append(Problem(file_name, section, f"unknown section (known: {known})"))
                continue
            if not isinstance(body, list):
                problems.append(Problem(file_name, section, "must be a list of entries"))
                continue
            _load_section(section, model, body, file_name, entries, origins, problems)
    if registry is None:
        problems.append(Problem(str(path), "registry", "no 'registry' section in any file"))
    if problems or registry is None:
        raise CatalogueError(problems)
    catalogue = Catalogue(
        registry=registry,
        origins=origins,
        active_profile_id=profile or registry.profile,
        **entries,
    )
    problems.extend(catalogue_problems(catalogue))
    if problems:
        raise CatalogueError(problems)
    return catalogue


def _read_files(path: Path, problems: list[Problem]) -> list[tuple[str, dict[str, Any]]]:
    if not path.is_dir():
        problems.append(Problem(str(path), "-", "catalogue path is not a folder"))
        return []
    documents: list[tuple[str, dict[str, Any]]] = []
    for file in sorted([*path.glob("*.yaml"), *path.glob("*.yml")]):
        try:
            document = yaml.safe_load(file.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            problems.append(Problem(file.name, "-", f"not valid YAML: {exc}"))
            continue
        if document is None:
            continue
        if not isinstance(document, dict):
            problems.append(Problem(file.name, "-", "top level must be a mapping of sections"))
            continue
        documents.append((file.name, document))
    if not documents and not problems:
        problems.append(Problem(str(path), "-", "no YAML files in the catalogue folder"))
    return documents


def _load_section(
    section: str,
    model: type[BaseModel],
    body: list[Any],
    file_name: str,
    entries: dict[str, dict[str, Any]],
    origins: dict[tuple[str, str], str],
    problems: list[Problem],
) -> None:
    for index, item in enumerate(body):
        entry_id = str(item.get("id") or "") if isinstance(item, dict) else ""
        key = f"{section}[{entry_id or index}]"
        if not isinstance(item, dict):
            problems.append(Problem(file_name, key, "entry must be a mapping"))
            continue
        early = pre_validation_problems(section, item, file_name, key)
        if early:
            problems.extend(early)
            continue
        entry = _validate_one(model, item, file_name, key, problems)
        if entry is None:
            continue
        if entry_id in entries[section]:
            first = origins[(section, entry_id)]
            problems.append(Problem(file_name, key, f"duplicate id (first defined in {first})"))
            continue
        entries[section][entry_id] = entry
        origins[(section, entry_id)] = file_name


def _validate_one(
    model: type[M], body: Any, file_name: str, key: str, problems: list[Problem]
) -> M | None:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            message = error["msg"]
            if error["type"] == "missing":
                message = "required field is missing"
            elif error["type"] == "extra_forbidden":
                message = "unknown field (not allowed)"
            problems.append(Problem(file_name, f"{key}.{where}" if where else key, message))
        return None
