"""Loads a catalogue folder of YAML files into typed models, collecting every problem."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from credo.catalog.catalogue import SECTIONS, Catalogue
from credo.catalog.guardrails import (
    catalogue_problems,
    post_validation_problems,
    pre_validation_problems,
)
from credo.catalog.label_checks import label_problems
from credo.catalog.labels import Labels, LanguageLabels
from credo.catalog.models import FurnisherQuality, Profile, Registry
from credo.catalog.problems import Problem
from credo.catalog.profiles import builtin_problems, builtin_profiles, tighten
from credo.errors import CatalogueError

M = TypeVar("M", bound=BaseModel)


def load_catalogue(
    path: Path, profile: str | None = None, languages: Sequence[str] = ()
) -> Catalogue:
    """Load and validate the catalogue at ``path``; raise CatalogueError listing every problem.

    ``profile`` checks against another built-in profile than ``registry.profile``; with
    ``languages`` (``credo catalog check``: the portal's), a code or sentence a reader may
    meet without a label in one of them is a problem too (credo.catalog.labels)."""
    problems: list[Problem] = builtin_problems()
    raw = _read_files(path, problems)
    entries: dict[str, dict[str, Any]] = {name: {} for name in SECTIONS}
    origins: dict[tuple[str, str], str] = {}
    overrides: list[tuple[str, Any, int]] = []
    registry: Registry | None = None
    quality: FurnisherQuality | None = None
    labels: dict[str, LanguageLabels] = {}
    for file_name, document in raw:
        for section, body in document.items():
            if section == "registry":
                registry = _validate_one(Registry, body, file_name, "registry", problems)
                origins[("registry", "registry")] = file_name
                continue
            if section == "furnisher_quality":
                quality = _quality_section(body, file_name, quality, origins, problems)
                continue
            if section == "labels":
                _labels_section(body, file_name, labels, origins, problems)
                continue
            if section == "profiles":
                if not isinstance(body, list):
                    problems.append(Problem(file_name, section, "must be a list of entries"))
                    continue
                overrides += [(file_name, item, index) for index, item in enumerate(body)]
                continue
            model = SECTIONS.get(section)
            if model is None:
                known = ", ".join(
                    ["registry", "profiles", "furnisher_quality", "labels", *SECTIONS]
                )
                problems.append(Problem(file_name, section, f"unknown section (known: {known})"))
                continue
            if not isinstance(body, list):
                problems.append(Problem(file_name, section, "must be a list of entries"))
                continue
            _load_section(section, model, body, file_name, entries, origins, problems)
    if registry is None:
        problems.append(Problem(str(path), "registry", "no 'registry' section in any file"))
        raise CatalogueError(problems)
    profiles = _profiles(registry, overrides, origins, problems)
    if problems:
        raise CatalogueError(problems)
    catalogue = Catalogue(
        registry=registry,
        origins=origins,
        active_profile_id=profile or registry.profile,
        profiles=profiles,
        furnisher_quality=quality or FurnisherQuality(),
        labels=Labels(labels),
        **entries,
    )
    problems.extend(catalogue_problems(catalogue))
    spoken = [lang for lang in languages if lang in registry.languages]
    problems.extend(label_problems(catalogue, spoken) if spoken else [])
    if problems:
        raise CatalogueError(problems)
    return catalogue


def _profiles(
    registry: Registry,
    overrides: list[tuple[str, Any, int]],
    origins: dict[tuple[str, str], str],
    problems: list[Problem],
) -> dict[str, Profile]:
    """The built-in profiles, the catalogue's own (``registry.profile``) with its tightenings."""
    profiles = builtin_profiles()
    selected = registry.profile
    if selected not in profiles:
        problems.append(
            Problem(
                origins[("registry", "registry")],
                "registry.profile",
                f"{selected!r} is not a built-in profile (built in: {', '.join(sorted(profiles))})",
            )
        )
        return profiles
    seen: set[str] = set()
    for file_name, item, index in overrides:
        entry_id = str(item.get("id") or "") if isinstance(item, dict) else ""
        key = f"profiles[{entry_id or index}]"
        if not isinstance(item, dict):
            problems.append(Problem(file_name, key, "entry must be a mapping"))
        elif not entry_id:
            problems.append(Problem(file_name, f"{key}.id", "required field is missing"))
        elif entry_id not in profiles:
            problems.append(
                Problem(
                    file_name,
                    f"{key}.id",
                    f"{entry_id!r} is not a built-in profile (built in: "
                    f"{', '.join(sorted(profiles))}); a catalogue cannot define profiles, only "
                    "tighten the one it selects (G-01)",
                )
            )
        elif entry_id != selected:
            problems.append(
                Problem(
                    file_name,
                    f"{key}.id",
                    f"the catalogue selects {selected} (registry.profile); it may tighten that "
                    "profile only",
                )
            )
        elif entry_id in seen:
            first = origins[("profiles", entry_id)]
            problems.append(Problem(file_name, key, f"duplicate id (first defined in {first})"))
        else:
            seen.add(entry_id)
            origins[("profiles", entry_id)] = file_name
            tightened, found = tighten(profiles[entry_id], item, file_name, key)
            problems += found
            if tightened is not None:
                profiles = {**profiles, entry_id: tightened}
    return profiles


def _quality_section(
    body: Any,
    file_name: str,
    found: FurnisherQuality | None,
    origins: dict[tuple[str, str], str],
    problems: list[Problem],
) -> FurnisherQuality | None:
    """The one ``furnisher_quality`` mapping (G-49): thresholds, window, minimum volumes."""
    if ("furnisher_quality", "furnisher_quality") in origins:
        first = origins[("furnisher_quality", "furnisher_quality")]
        problems.append(Problem(file_name, "furnisher_quality", f"given twice (first in {first})"))
        return found
    origins[("furnisher_quality", "furnisher_quality")] = file_name
    if not isinstance(body, dict):
        problems.append(Problem(file_name, "furnisher_quality", "must be a mapping"))
        return None
    return _validate_one(FurnisherQuality, body, file_name, "furnisher_quality", problems)


def _labels_section(
    body: Any,
    file_name: str,
    labels: dict[str, LanguageLabels],
    origins: dict[tuple[str, str], str],
    problems: list[Problem],
) -> None:
    """One language's labels (credo.catalog.labels); a language is labelled in one file."""
    lang = str(body.get("language") or "") if isinstance(body, dict) else ""
    key = f"labels[{lang}]" if lang else "labels"
    if ("labels", lang) in origins:
        first = origins[("labels", lang)]
        problems.append(Problem(file_name, key, f"{lang} is labelled twice (first in {first})"))
        return
    found = _validate_one(LanguageLabels, body, file_name, key, problems)
    if found is not None:
        labels[found.language] = found
        origins[("labels", found.language)] = file_name


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
        late = post_validation_problems(section, entry, file_name, key)
        if late:
            problems.extend(late)
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
            where = located(error["loc"], body)
            message = error["msg"]
            if error["type"] == "missing":
                message = "required field is missing"
            elif error["type"] == "extra_forbidden":
                message = "unknown field (not allowed)"
            problems.append(Problem(file_name, f"{key}.{where}" if where else key, message))
        return None


def located(loc: tuple[int | str, ...], body: Any) -> str:
    """A pydantic error location as a key a person finds in the YAML: a list item by its
    ``id`` where it has one (``features[hygiene].field``), else by its index (``bins[2]``)."""
    where = ""
    node = body
    for part in loc:
        if isinstance(part, int) and isinstance(node, list):
            item = node[part] if 0 <= part < len(node) else None
            entry_id = item.get("id") if isinstance(item, dict) else None
            where += f"[{entry_id}]" if isinstance(entry_id, str) and entry_id else f"[{part}]"
            node = item
            continue
        where += f".{part}" if where else str(part)
        node = node.get(part) if isinstance(node, dict) else None
    return where
