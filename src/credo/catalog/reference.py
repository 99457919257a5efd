"""The catalogue reference, generated from the models (``credo catalog reference``).

Writes ``catalogue-reference.md`` (every field of every catalogue file and of an ingest
mapping: its type, allowed values, default, description and the guardrail that constrains it)
and one JSON Schema per catalogue file, one for a file holding any sections, and one for
mappings (``schemas/*.schema.json``), so that an editor validates the YAML as it is typed.
The output is deterministic: tests/catalog/test_reference.py regenerates it and compares it
with the committed docs/.

The guardrail of a field comes from :data:`FIELD_GUARDRAILS`, a declared table (kept beside
the checks it names in credo.catalog.guardrails, lists, ratings and profiles), and, for a
profile's values, from ``credo.catalog.profiles.RULES``."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from credo.catalog.catalogue import SECTIONS
from credo.catalog.labels import LanguageLabels
from credo.catalog.models import FurnisherQuality, Profile, Registry
from credo.catalog.profiles import RULES

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DOC_NAME = "catalogue-reference.md"
SCHEMA_FOLDER = "schemas"
COMMAND = "credo catalog reference"
# The YAML form of a period (credo.catalog.models.Duration); the model also takes
# {amount, unit}, which nobody writes.
DURATION_SCHEMA: dict[str, Any] = {
    "title": "Duration",
    "description": "A period: a whole number and d (days), m (months) or y (years), "
    "e.g. 90d, 6m, 3y.",
    "type": "string",
    "pattern": r"^\s*\d+[dmy]\s*$",
}

# (model, field) -> the guardrail that constrains the field and how; checks in
# credo.catalog.guardrails (G-01..G-08, G-19, G-45), credo.catalog.lists (G-09..G-22, G-34,
# G-37, G-44), credo.catalog.ratings (G-13, G-14) and the ingest path (G-03, G-04, G-07).
FIELD_GUARDRAILS: dict[tuple[str, str], str] = {
    ("Registry", "profile"): "G-01: a built-in profile; the catalogue may only tighten it",
    ("Registry", "min_cell_size"): "G-50: at least 5; smaller cells of people are suppressed",
    ("IdentifierScheme", "id"): "G-19: cn_ric, cn_uscc and lei are built in; G-04: no "
    "biometric or surveillance word",
    ("IdentifierScheme", "kind"): "G-19: the kinds are closed (issuer_reference only)",
    ("IdentifierScheme", "name"): "G-04: no biometric or surveillance word",
    ("IdentifierScheme", "pattern"): "G-19: anchored, at most 40 characters, always a digit, "
    "no whitespace, accepts no name",
    ("IdentifierScheme", "example"): "G-19: the pattern must accept it",
    ("RecordType", "legal_basis"): "G-01: every record type declares its legal basis",
    ("RecordType", "issuing_authority_kind"): "G-07: a furnisher writes it only if it is "
    "this kind of authority",
    ("RecordType", "domain"): "G-02: the domain list is closed",
    ("RecordType", "subject_kinds"): "G-45: public_office_integrity records concern persons only",
    ("RecordType", "severity_tier"): "G-01: selects the profile's effect ceiling",
    ("RecordType", "min_publicity"): "at most max_effect",
    ("RecordType", "max_effect"): "G-01: within the profile's effect ceiling for the tier "
    "(an assessment: within assessment_validity, G-41)",
    ("RecordType", "retention_max"): "at least max_effect; G-41: consumer credit within the "
    "profile's consumer_credit_max",
    ("RecordType", "evidence_kind"): "G-05: legally effective decisions only, no tips, "
    "signals or suspicions",
    ("RecordType", "public"): "minor-tier negative records are not published",
    ("RecordType", "criminal"): "G-07: only official authorities write criminal-offence data",
    ("RecordType", "assessment"): "G-41: held within the profile's assessment_validity",
    ("RecordType", "payload"): "G-03: no special-category field (name or category)",
    ("RecordType", "published_at"): "G-08: needed with effective_from",
    ("RecordType", "effective_from"): "G-08: at least the profile's catalogue_comment_days "
    "after published_at",
    ("PayloadField", "category"): "G-03, G-14: special categories and proxies are refused",
    ("Furnisher", "authority_kind"): "G-07: must be the issuing authority kind of every type "
    "in its remit",
    ("Furnisher", "official_authority"): "G-07: criminal-offence types need an official authority",
    ("Furnisher", "remit"): "G-07: the only record types it may write",
    ("FurnisherQuality", "window_days"): "G-49",
    ("FurnisherQuality", "min_records"): "G-49",
    ("FurnisherQuality", "min_disputes_due"): "G-49",
    ("FurnisherQuality", "thresholds"): "G-49: each above 0 and at most 0.5",
    ("QualityThresholds", "dispute_rate"): "G-49: above 0, at most 0.5",
    ("QualityThresholds", "correction_rate"): "G-49: above 0, at most 0.5",
    ("QualityThresholds", "overturn_rate"): "G-49: above 0, at most 0.5",
    ("QualityThresholds", "late_response_rate"): "G-49: above 0, at most 0.5",
    ("RatingDef", "domain"): "G-02: the domain list is closed",
    ("RatingDef", "inputs"): "G-13: record types of the rating's own domain only: no "
    "general-purpose score",
    ("Feature", "field"): "G-14: no proxy for a protected characteristic",
    ("Feature", "missing"): "fail closed: every feature that can be missing says what it means",
    ("ratings.Condition", "field"): "G-14: no proxy for a protected characteristic",
    ("PointsTable", "bins"): "the bins cover the feature's values with no gap or overlap",
    ("PointsTable", "monotonic"): "the points move as declared",
    ("Banding", "bins"): "the bins cover the values with no gap or overlap",
    ("Banding", "monotonic"): "the bands move as declared",
    ("ListDef", "id"): "G-17: a list concerns only the records' own subject (no family or "
    "associate words)",
    ("ListDef", "kind"): "G-15: a black or focus list is never entered by positive records",
    ("ListDef", "domain"): "G-02: the domain list is closed",
    ("ListDef", "legal_basis"): "G-09: every list names its legal basis",
    ("ListDef", "subject_kinds"): "G-18: only kinds its record types concern",
    ("ListDef", "max_term"): "G-44: finite; G-01: within the ceiling of its heaviest records",
    ("ListDef", "exit_conditions"): "G-44: at least one: no permanent lists",
    ("ListDef", "immediate_effect_article"): "G-22: without it, entry waits for the "
    "profile's objection window",
    ("ListDef", "minors_authorised"): "G-21: never on a negative list unless the profile allows it",
    ("EntryRule", "record_types"): "G-15: a negative list is not entered by positive records",
    ("EntryRule", "conditions"): "G-14: no proxy for a protected characteristic",
    ("EntryRule", "min_count"): "G-12: counting minor or general records needs repeat_offence",
    ("EntryRule", "repeat_offence"): "G-12: the article and window that allow counting",
    ("MeasureDef", "id"): "G-17: a measure affects only the records' own subject",
    ("MeasureDef", "domain"): "G-02: the domain list is closed",
    ("MeasureDef", "legal_basis"): "G-09: every measure names its legal basis",
    ("MeasureDef", "triggered_by"): "G-15: restrictions from black or focus lists, rewards "
    "from red lists; G-10: another domain's list needs cross_domain",
    ("MeasureDef", "severity"): "G-11: never heavier than the records behind its lists",
    ("MeasureDef", "purposes"): "G-34: purposes that cover the measure's domain",
    ("MeasureDef", "max_duration"): "G-44: finite",
    ("MeasureDef", "cross_domain"): "G-10: names the lists of other domains; the profile may "
    "forbid it",
    ("MeasureDef", "significant"): "G-37: adverse measures only",
    ("Purpose", "domains"): "G-02: the domain list is closed",
    ("Purpose", "past_dates"): "G-34: never for a subject_transaction",
    ("RelyingParty", "purposes"): "G-34: checks only for these purposes",
    ("Mapping", "furnisher"): "G-07: each row is checked against the furnisher's remit",
    ("Mapping", "payload"): "G-03: no special-category field; only the record type's fields",
    ("Mapping", "provenance"): "G-04: no camera, biometric, sensing or tracking provenance",
    ("Mapping", "evidence"): "G-05: a legally effective decision",
}


@dataclass(frozen=True)
class CatalogueFile:
    """One file of a catalogue folder by convention (a file may also hold several sections)."""

    file: str
    section: str
    model: type[BaseModel]
    many: bool  # a list of entries with ids, or one mapping


def catalogue_files() -> list[CatalogueFile]:
    """Every section the loader reads, in the order of credo.catalog.loader."""
    files = [CatalogueFile("registry.yaml", "registry", Registry, False)]
    files += [CatalogueFile(f"{s}.yaml", s, model, True) for s, model in SECTIONS.items()]
    files.append(
        CatalogueFile("furnisher_quality.yaml", "furnisher_quality", FurnisherQuality, False)
    )
    files.append(CatalogueFile("profiles.yaml", "profiles", Profile, True))
    files.append(CatalogueFile("labels_en.yaml", "labels", LanguageLabels, False))
    return files


# -- JSON Schemas ----------------------------------------------------------------------------


def _definitions(mapping: type[BaseModel]) -> tuple[dict[str, Any], dict[str, type]]:
    """Every model's and enum's schema by name, and the class behind each name."""
    models: list[type[BaseModel]] = [f.model for f in catalogue_files()] + [mapping]
    _, schema = models_json_schema(
        [(model, "validation") for model in models], ref_template="#/$defs/{model}"
    )
    defs: dict[str, Any] = schema["$defs"]
    defs["Duration"] = dict(DURATION_SCHEMA)
    defs["ProfileTightening"] = _tightening(defs)
    classes = {_def_name(cls, defs): cls for cls in _reachable(models)}
    return defs, {name: cls for name, cls in classes.items() if name in defs}


def _tightening(defs: dict[str, Any]) -> dict[str, Any]:
    """A ``profiles`` entry: the selected profile's id and only the values it makes stricter
    (credo.catalog.profiles.tighten); name and version belong to the built-in profile."""
    entry = copy.deepcopy(defs["Profile"])
    entry["title"] = "ProfileTightening"
    for fixed in ("name", "version"):
        entry["properties"].pop(fixed, None)
    entry["required"] = ["id"]
    entry["properties"]["effect_ceiling"] = {
        "type": "object",
        "description": "Stricter ceilings for some tiers: max, min or both",
        "propertyNames": {"$ref": "#/$defs/SeverityTier"},
        "additionalProperties": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "min": {"$ref": "#/$defs/Duration"},
                "max": {"$ref": "#/$defs/Duration"},
            },
        },
    }
    entry["properties"]["sources"]["description"] = "Optional: a source per tightened value"
    return entry


def _reachable(models: list[type[BaseModel]]) -> list[type]:
    """The models and enums the given models use, each once, in order of first use."""
    seen: dict[type, None] = {}

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel | Enum):
            if annotation in seen:
                return
            seen[annotation] = None
            if issubclass(annotation, BaseModel):
                for field in annotation.model_fields.values():
                    visit(field.annotation)
            return
        for arg in get_args(annotation):
            visit(arg)
        origin = get_origin(annotation)
        if origin is not None and not get_args(annotation):
            visit(origin)

    for model in models:
        visit(model)
    return list(seen)


def _def_name(cls: type, defs: dict[str, Any]) -> str:
    """The name pydantic gave ``cls`` (module-qualified where two classes share a name)."""
    qualified = f"{cls.__module__}.{cls.__qualname__}".replace(".", "__")
    return qualified if qualified in defs else cls.__name__


def _referenced(node: Any, defs: dict[str, Any], found: dict[str, None]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            name = ref.removeprefix("#/$defs/")
            if name not in found:
                found[name] = None
                _referenced(defs[name], defs, found)
        for value in node.values():
            _referenced(value, defs, found)
    elif isinstance(node, list):
        for value in node:
            _referenced(value, defs, found)


def _document(
    title: str, description: str, properties: dict[str, Any], defs: dict[str, Any]
) -> dict[str, Any]:
    used: dict[str, None] = {}
    _referenced(properties, defs, used)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "title": title,
        "description": description,
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
        "$defs": {name: defs[name] for name in sorted(used)},
    }


def _section_property(entry: CatalogueFile) -> dict[str, Any]:
    name = "ProfileTightening" if entry.section == "profiles" else entry.model.__name__
    ref = {"$ref": f"#/$defs/{name}"}
    return {"type": "array", "items": ref} if entry.many else ref


def schemas(mapping: type[BaseModel]) -> dict[str, dict[str, Any]]:
    """File name -> JSON Schema: one per catalogue file, ``catalogue`` for a file with any
    sections, and ``mapping`` for an ingest mapping (``mapping``: its model, which ingestion
    owns)."""
    defs, _ = _definitions(mapping)
    out: dict[str, dict[str, Any]] = {}
    every: dict[str, Any] = {}
    for entry in catalogue_files():
        prop = _section_property(entry)
        every[entry.section] = prop
        out[f"{entry.section}.schema.json"] = _document(
            f"Credo catalogue: {entry.file}",
            f"The '{entry.section}' section of a Credo catalogue (generated by `{COMMAND}`).",
            {entry.section: prop},
            defs,
        )
    out["catalogue.schema.json"] = _document(
        "Credo catalogue file",
        f"A catalogue YAML file holding any of its sections (generated by `{COMMAND}`).",
        every,
        defs,
    )
    mapping_schema = copy.deepcopy(defs[_def_name(mapping, defs)])
    used: dict[str, None] = {}
    _referenced(mapping_schema, defs, used)
    mapping_schema.update(
        {
            "$schema": JSON_SCHEMA_DIALECT,
            "title": "Credo ingest mapping",
            "$defs": {name: defs[name] for name in sorted(used)},
        }
    )
    out["mapping.schema.json"] = mapping_schema
    return out


# -- markdown --------------------------------------------------------------------------------


class _Writer:
    """The reference page: one table per model, each model once, in order of first use."""

    def __init__(self, defs: dict[str, Any], classes: dict[str, type]) -> None:
        self.defs = defs
        self.classes = classes
        self.lines: list[str] = []
        self.done: set[str] = set()

    def model(self, name: str, heading: str = "###") -> None:
        if name in self.done:
            return
        self.done.add(name)
        schema = self.defs[name]
        title = schema.get("title", name)
        self.lines += [f"{heading} {title}", "", f'<a id="{_anchor(name)}"></a>', ""]
        if schema.get("description"):
            self.lines += [_one_line(schema["description"]), ""]
        self.lines += [
            "| Field | Type | Allowed values | Default | Description | Guardrail |",
            "|---|---|---|---|---|---|",
        ]
        nested: list[str] = []
        required = set(schema.get("required", []))
        for prop, spec in schema.get("properties", {}).items():
            self.lines.append(self._row(name, prop, spec, prop in required))
            found: dict[str, None] = {}
            _direct_refs(spec, found)
            nested += [n for n in found if "enum" not in self.defs[n] and n not in nested]
        self.lines.append("")
        for child in nested:
            self.model(child)

    def _row(self, model: str, prop: str, spec: dict[str, Any], required: bool) -> str:
        description = spec.get("description", "")
        default = "required" if required else self._default(model, prop, spec)
        if model == "ProfileTightening" and not required:  # a tightening omits most keys
            default = "the built-in value"
            rule = RULES.get(prop) or RULES.get(f"{prop}.max")
            description = description or (rule.why if rule else "")
        cells = [
            f"`{prop}`",
            self.type_text(spec),
            _allowed(spec, self.defs),
            default,
            _one_line(description),
            self._guardrail(model, prop),
        ]
        return "| " + " | ".join(c.replace("|", "\\|") or "" for c in cells) + " |"

    def _guardrail(self, model: str, prop: str) -> str:
        cls = self.classes.get(model)
        title = cls.__name__ if cls else self.defs[model].get("title", model)
        keys = [(title, prop)]
        if cls is not None:
            keys.insert(0, (f"{cls.__module__.rsplit('.', 1)[-1]}.{title}", prop))
        if title in ("Profile", "ProfileTightening"):
            rule = RULES.get(prop) or RULES.get(f"{prop}.max")
            if rule is not None:
                return f"{rule.guardrail}: stricter is {rule.stricter} ({rule.why})"
        return next((FIELD_GUARDRAILS[k] for k in keys if k in FIELD_GUARDRAILS), "")

    def _default(self, model: str, prop: str, spec: dict[str, Any]) -> str:
        if "default" in spec:
            return _value(spec["default"])
        cls = self.classes.get(model)
        field = _field_by_alias(cls, prop) if cls is not None else None
        if field is not None and not field.is_required():
            made = field.get_default(call_default_factory=True)
            if isinstance(made, BaseModel):
                return "its defaults"
            return _value(made.value if isinstance(made, Enum) else made)
        return "optional"

    def type_text(self, spec: dict[str, Any]) -> str:
        if "$ref" in spec:
            name = spec["$ref"].removeprefix("#/$defs/")
            return f"[{self.defs[name].get('title', name)}](#{_anchor(name)})"
        if "anyOf" in spec:
            kinds = [self.type_text(s) for s in spec["anyOf"] if s.get("type") != "null"]
            return " or ".join(dict.fromkeys(kinds))
        if "enum" in spec or "const" in spec:
            return "text" if spec.get("type") == "string" else "value"
        kind = spec.get("type")
        if kind == "array":
            return f"list of {self.type_text(spec.get('items', {}))}"
        if kind == "object":
            values = spec.get("additionalProperties")
            pattern = next(iter(spec.get("patternProperties", {}).values()), None)
            inner = values if isinstance(values, dict) else pattern
            key = "name" if pattern is not None else "key"
            if "propertyNames" in spec and "$ref" in spec["propertyNames"]:
                key = self.type_text(spec["propertyNames"])
            return f"map of {key} to {self.type_text(inner)}" if inner else "mapping"
        if spec.get("format") == "date":
            return "date"
        return {
            "string": "text",
            "integer": "integer",
            "number": "number",
            "boolean": "boolean",
        }.get(str(kind), "any")

    def enums(self) -> None:
        names = sorted(n for n, s in self.defs.items() if "enum" in s and n in self.classes)
        self.lines += ["## Closed vocabularies", ""]
        self.lines += [
            "Defined in code (credo.catalog.vocab): a catalogue cannot extend them.",
            "",
            "| Vocabulary | Values | About |",
            "|---|---|---|",
        ]
        for name in names:
            schema = self.defs[name]
            values = ", ".join(f"`{v}`" for v in schema["enum"])
            about = _one_line(schema.get("description", ""))
            self.lines.append(
                f'| <a id="{_anchor(name)}"></a>{schema["title"]} | {values} | {about} |'
            )
        self.lines.append("")


def _direct_refs(node: Any, found: dict[str, None]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.setdefault(ref.removeprefix("#/$defs/"), None)
        for value in node.values():
            _direct_refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _direct_refs(value, found)


def _field_by_alias(cls: type, prop: str) -> Any:
    if not issubclass(cls, BaseModel):
        return None
    for name, field in cls.model_fields.items():
        if (field.alias or name) == prop:
            return field
    return None


def _allowed(spec: dict[str, Any], defs: dict[str, Any]) -> str:
    """Enumerated values and constraints, through optional and list wrappers."""
    parts: list[str] = []
    for inner in [spec, *spec.get("anyOf", []), spec.get("items") or {}]:
        if not isinstance(inner, dict):
            continue
        target = inner
        if "$ref" in inner:
            name = inner["$ref"].removeprefix("#/$defs/")
            target = defs[name]
            if name == "Duration":
                parts.append("a period: `90d`, `6m`, `3y`")
            if "enum" not in target:
                continue
        if "enum" in target:
            parts.append(", ".join(f"`{v}`" for v in target["enum"]))
        if "const" in target:
            parts.append(f"`{target['const']}`")
        if "pattern" in target:
            parts.append(f"matches `{target['pattern']}`")
        bounds = [
            ("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"),
            ("exclusiveMaximum", "<"), ("minLength", "length ≥"), ("maxLength", "length ≤"),
            ("minItems", "items ≥"), ("maxItems", "items ≤"),
        ]  # fmt: skip
        parts += [f"{label} {target[key]}" for key, label in bounds if key in target]
    return "; ".join(dict.fromkeys(parts))


def _value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, list | dict) and not value:
        return "empty"
    return f"`{json.dumps(value, default=str, ensure_ascii=False)}`".replace('`"', "`").replace(
        '"`', "`"
    )


def _anchor(name: str) -> str:
    return "def-" + name.lower().replace("__", "-")


def _one_line(text: str) -> str:
    return " ".join(text.split())


INTRO = """# Catalogue reference

Generated from the models by `{command}` (credo.catalog.reference): do not edit by hand;
change the model (a field's `Field(description=...)`, the guardrail table
`credo.catalog.reference.FIELD_GUARDRAILS`) and run the command again. A test fails while
this page or `docs/schemas/` is stale.

A catalogue is a folder of YAML files; each file holds one or more of the sections below (by
convention one each, named after the section). `credo catalog check PATH` validates a folder
and names every problem by file and key (a list item by its `id`: `ratings[food].features
[hygiene].field`). How the parts fit together is in [catalogue.md](catalogue.md), the
guardrails in [guardrails.md](guardrails.md), and a walk-through from an empty folder in
[write-a-catalogue.md](write-a-catalogue.md).

## Validation as you type

`docs/schemas/` holds a JSON Schema per file below, `catalogue.schema.json` for a file that
holds several sections, and `mapping.schema.json` for ingest mappings. Editors that use the
YAML language server (VS Code's YAML extension, Neovim, JetBrains, Helix) read a first-line
comment naming the schema, relative to the file:

```yaml
# yaml-language-server: $schema=../docs/schemas/record_types.schema.json
record_types:
  - id: ...
```

or, for a whole folder, the `yaml.schemas` setting (VS Code `settings.json`):

```json
{{"yaml.schemas": {{"docs/schemas/record_types.schema.json": "catalogue/record_types.yaml",
                 "docs/schemas/mapping.schema.json": "mappings/*.yaml"}}}}
```

The schemas check each file on its own (types, allowed values, unknown keys, required
fields); the checks across files (a furnisher's remit, a rating's inputs, profile ceilings)
run in `credo catalog check`.

## Files

| File | Section | Holds | Schema |
|---|---|---|---|
"""


def markdown(mapping: type[BaseModel]) -> str:
    """The reference page, with the ingest ``mapping`` model's section."""
    defs, classes = _definitions(mapping)
    writer = _Writer(defs, classes)
    lines = [INTRO.format(command=COMMAND).rstrip("\n")]
    for entry in catalogue_files():
        holds = "a list of entries" if entry.many else "one mapping"
        lines.append(
            f"| `{entry.file}` | `{entry.section}` | {holds} | "
            f"[{entry.section}.schema.json](schemas/{entry.section}.schema.json) |"
        )
    lines.append(
        "| a mapping (`credo ingest --mapping`) | - | one mapping | "
        "[mapping.schema.json](schemas/mapping.schema.json) |"
    )
    lines.append("")
    writer.lines = lines
    for entry in catalogue_files():
        name = "ProfileTightening" if entry.section == "profiles" else _def_name(entry.model, defs)
        writer.lines += [f"## `{entry.file}`: {entry.section}", ""]
        if entry.section == "profiles":
            writer.lines += [
                "The profiles CN, EU and US-FCRA are built in; a catalogue's `profiles` "
                "section has one entry, for the profile `registry.profile` selects, with only "
                "the values it makes stricter (G-01). Guardrail column: which way is stricter.",
                "",
            ]
        writer.model(name, "###")
    writer.lines += ["## Ingest mappings", ""]
    writer.lines += [
        "A mapping (YAML, `credo ingest FILE --mapping MAPPING`) turns a file's columns into "
        "record statements.",
        "",
    ]
    writer.model(_def_name(mapping, defs), "###")
    writer.enums()
    return "\n".join(writer.lines).rstrip("\n") + "\n"


def write_reference(out: Path, mapping: type[BaseModel]) -> list[Path]:
    """Write the page and the schemas under ``out``; the files written (stale ones removed).
    ``mapping``: the ingest mapping's model (credo.ingest sits above the catalogue)."""
    folder = out / SCHEMA_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    written = [out / DOC_NAME]
    written[0].write_text(markdown(mapping), encoding="utf-8")
    made = schemas(mapping)
    for stale in folder.glob("*.schema.json"):
        if stale.name not in made:
            stale.unlink()
    for name, schema in made.items():
        path = folder / name
        path.write_text(json.dumps(schema, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written
