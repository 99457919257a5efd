"""Every name and sentence of a catalogue in each of the registry's languages.

A catalogue text (``Text``) always has English; a registry that declares
``registry.languages: [en, zh]`` must give the Chinese of each one as well, and a registry
that speaks English only need not write any (the portal then offers English alone)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from credo.catalog.models import Text
from credo.catalog.problems import Problem

if TYPE_CHECKING:
    from credo.catalog.catalogue import Catalogue

ENTRY_SECTIONS = (
    "schemes",
    "record_types",
    "furnishers",
    "ratings",
    "lists",
    "measures",
    "purposes",
    "relying_parties",
)


def text_problems(catalogue: Catalogue) -> list[Problem]:
    """Each text that lacks one of ``registry.languages``, by file and key."""
    wanted = [lang for lang in catalogue.registry.languages if lang != "en"]
    if not wanted:
        return []
    problems: list[Problem] = []
    declared = ", ".join(catalogue.registry.languages)
    found = [("registry", "registry", "registry", catalogue.registry)]
    for section in ENTRY_SECTIONS:
        for entry_id, entry in getattr(catalogue, section).items():
            found.append((section, entry_id, f"{section}[{entry_id}]", entry))
    for section, entry_id, key, model in found:
        for where, text in _texts(model, key):
            for lang in wanted:
                if not getattr(text, lang, None):
                    problems.append(
                        Problem(
                            catalogue.origin_of(section, entry_id),
                            where,
                            f"no {lang} text (registry.languages: {declared})",
                        )
                    )
    return problems


def _texts(node: Any, where: str) -> Iterator[tuple[str, Text]]:
    """Every Text inside a model, with its key as a person finds it in the YAML."""
    if isinstance(node, Text):
        yield where, node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _texts(getattr(node, name), f"{where}.{name}")
    elif isinstance(node, list | tuple):
        for index, item in enumerate(node):
            item_id = getattr(item, "id", None)
            yield from _texts(item, f"{where}[{item_id if isinstance(item_id, str) else index}]")
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _texts(item, f"{where}.{key}")
