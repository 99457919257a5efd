"""Content hashes of a loaded catalogue and of each of its rules: what a simulation names, what
activation compares, and what the public catalogue page's version history records.

The hash is over the loaded, validated content (canonical JSON, sorted keys), not over the
files: reformatting YAML, moving an entry to another file or editing a comment changes
nothing, while any change of meaning (a threshold, a band, a trigger, a version) does."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from pydantic import BaseModel

from credo.catalog.catalogue import Catalogue

# The sections whose entries are rules with a history on the public catalogue page.
RULE_SECTIONS = ("record_types", "ratings", "lists", "measures", "purposes", "relying_parties")


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def rule_body(rule: BaseModel) -> dict[str, Any]:
    return rule.model_dump(mode="json", by_alias=True)


def rule_hash(rule: BaseModel) -> str:
    return hashlib.sha256(_canonical(rule_body(rule))).hexdigest()


def rules_of(catalogue: Catalogue) -> dict[str, dict[str, dict[str, Any]]]:
    """section -> rule id -> {version, hash} of every rule."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for section in RULE_SECTIONS:
        entries: dict[str, BaseModel] = getattr(catalogue, section)
        out[section] = {
            rule_id: {"version": getattr(rule, "version", None), "hash": rule_hash(rule)}
            for rule_id, rule in sorted(entries.items())
        }
    return out


def content_hash(catalogue: Catalogue) -> str:
    """SHA-256 of the catalogue's whole content: registry, active profile and every rule."""
    body = {
        "registry": rule_body(catalogue.registry),
        "profile": rule_body(catalogue.profile),
        "rules": rules_of(catalogue),
        "schemes": {k: rule_body(v) for k, v in sorted(catalogue.schemes.items())},
        "furnishers": {k: rule_body(v) for k, v in sorted(catalogue.furnishers.items())},
    }
    return hashlib.sha256(_canonical(body)).hexdigest()


def document_hash(document: dict[str, Any]) -> str:
    """SHA-256 of a simulation document in canonical form (as stored and logged)."""
    return hashlib.sha256(_canonical(document)).hexdigest()
