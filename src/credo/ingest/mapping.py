"""Declarative mappings from a file's columns to record statements (YAML, no code).

A mapping names the furnisher (fixed, or each row's from a column: a multi-authority file),
the record type, how the subject is identified, the source reference (a template over
columns), the dates, the payload fields (each from a column, the first non-blank of several
columns, or a template composing several, with a few declared conversions), the evidence and
the provenance. ``load_mapping`` validates it strictly: an invalid mapping is a
``ValidationFailed`` that names every offending key, as the user wrote it.

Templates name columns verbatim between braces, spaces included (``"{ Ineligible Until}"``);
``{{`` and ``}}`` are literal braces."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from credo.catalog.catalogue import Catalogue
from credo.catalog.vocab import Finality, SubjectKind, denied_field_reason
from credo.errors import ValidationFailed
from credo.jsonvalue import document_path

Scalar = str | int | float | bool | None
# A column's name exactly as the file's header has it (spaces and any other characters kept).
ColumnName = Annotated[str, StringConstraints(min_length=1)]
_SOURCE_KEYS = ("column", "first_of", "template")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Sourced(_Strict):
    """Where a value comes from: exactly one of ``column`` (one column), ``first_of`` (the
    first of these columns that is not blank) and ``template`` (several columns composed,
    e.g. ``"{first name} {last name}"``; blank when every column it names is blank)."""

    column: ColumnName | None = None
    first_of: list[ColumnName] | None = Field(default=None, min_length=2)
    template: str | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> _Sourced:
        given = [key for key in _SOURCE_KEYS if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'column', 'first_of' and 'template'"
                + (f" (found {' and '.join(given)})" if given else "")
            )
        if self.template is not None:
            template_columns(self.template, "template")
        return self

    def columns(self) -> frozenset[str]:
        """Every column this value reads."""
        if self.column is not None:
            return frozenset({self.column})
        if self.first_of is not None:
            return frozenset(self.first_of)
        return frozenset(template_columns(self.template or "", "template"))

    def describe(self) -> str:
        """How a row's problem with this value names where it came from."""
        if self.column is not None:
            return f"column {self.column!r}"
        if self.first_of is not None:
            return f"first_of {self.first_of!r}"
        return f"template {self.template!r}"


class ValueFrom(_Sourced):
    """A value from ``column``, ``first_of`` or ``template`` (a plain string is a column)."""


# A column (a plain string: its name) or a ValueFrom.
Ref = ColumnName | ValueFrom
VALUE = "a column's name, or {column | first_of | template}"


def as_source(ref: Ref) -> ValueFrom:
    return ValueFrom(column=ref) if isinstance(ref, str) else ref


def ref_columns(ref: Ref | None) -> frozenset[str]:
    return as_source(ref).columns() if ref is not None else frozenset()


class Split(_Strict):
    """Take one part of a "programme / kind" value."""

    separator: str = Field(min_length=1)
    part: int = Field(ge=0)


class FieldMap(_Sourced):
    """One payload field from ``column``, ``first_of`` or ``template``. Conversions run in
    this order: trim, empty to null, split, value map."""

    trim: bool = True
    empty_as_null: bool = True
    split: Split | None = None
    values: dict[str, Scalar] | None = None


class IdentifierMap(_Sourced):
    scheme: str = Field(min_length=1)


class SubjectMap(_Strict):
    kind: SubjectKind | None = None
    kind_column: str | None = None
    # The file's words for the kinds, e.g. {Firm: organisation, Individual: person}; a value
    # not listed is taken as it is (and refused by validation unless it is a kind).
    kind_values: dict[str, SubjectKind] = Field(default_factory=dict)
    identifiers: list[IdentifierMap] = Field(min_length=1, max_length=5)
    name_column: Ref | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> SubjectMap:
        if (self.kind is None) == (self.kind_column is None):
            raise ValueError("give exactly one of 'kind' and 'kind_column'")
        if self.kind_values and self.kind_column is None:
            raise ValueError("'kind_values' translates 'kind_column'; give that column")
        return self


class SourceRefMap(_Strict):
    """``template`` over columns, e.g. ``"{camis}:{inspection_date}"``. With
    ``number_repeats`` a reference already seen earlier in the same file gets ``#2``, ``#3``...
    so that rows sharing every referenced column still get distinct, deterministic ids.

    Off by default: a reference is the furnisher's idempotency key, and a file delivered
    twice over (or a row repeated by an export) must come back as duplicates, not as twice
    the records. A mapping turns it on only where the source really has distinct rows that
    share every referenced column (the NYC extract)."""

    template: str = Field(min_length=1)
    number_repeats: bool = False


# Sentinels such as 1900-01-01, 1970-01-01 and 0001-01-01 stand for "unknown" in many exports;
# no record a registry holds today is about an event this old (checks look back to 1990 too).
DEFAULT_EARLIEST = date(1990, 1, 1)


class DateRules(_Strict):
    """The earliest plausible date of a record's own dates (``occurred_on``,
    ``effective_from``, the evidence's ``issued_on``): a row with an earlier one is
    quarantined as ``implausible_date``. ``earliest`` holds for every record type;
    ``by_record_type`` sets it for one type (a register that starts later, or older files)."""

    earliest: date = DEFAULT_EARLIEST
    by_record_type: dict[str, date] = Field(default_factory=dict)

    def earliest_for(self, record_type: str | None) -> date:
        return self.by_record_type.get(record_type or "", self.earliest)


class EvidenceMap(_Strict):
    kind: str = Field(min_length=1)
    document_id: str = Field(min_length=1, description="template over columns")
    issuer: str = Field(min_length=1)
    issued_on: Ref = Field(description=f"the issue date: {VALUE}")


class ProvenanceMap(_Strict):
    kind: str = Field(min_length=1)
    channel: str | None = None


class RequiredColumn(_Strict):
    """A row whose ``column`` is empty is quarantined with this reason (e.g. not_inspected)."""

    reason: str = Field(pattern=r"^[a-z][a-z0-9_]{2,63}$")
    detail: str = Field(min_length=1)


class TermMap(_Strict):
    """The term the decision set (credo.records.effect), from the row.

    ``ends_on``: the column holding the end of the term: the first day without effect, or,
    with ``last_day: true``, the last day with effect (the term then ends the day after).
    A value in ``open_ended_values`` (compared trimmed and case-insensitively; ``""`` makes a
    blank cell open-ended) means the term runs until the event ``until``. Without ``ends_on``,
    every row is open-ended until ``until``. A blank ``ends_on`` cell that is not an
    open-ended value means no decided term: the record type's own period. ``review_on``: an
    optional column with the date the open-ended term is reviewed."""

    ends_on: Ref | None = Field(default=None, description=VALUE)
    last_day: bool = False
    open_ended_values: list[str] = Field(default_factory=list)
    until: Literal["performance", "conditional_release", "revocation"] | None = None
    review_on: Ref | None = Field(default=None, description=VALUE)

    @model_validator(mode="after")
    def _consistent(self) -> TermMap:
        if self.ends_on is None and self.until is None:
            raise ValueError("give 'ends_on' (a column), 'until' (an event), or both")
        if self.open_ended_values and (self.ends_on is None or self.until is None):
            raise ValueError("'open_ended_values' needs both 'ends_on' and 'until'")
        if self.last_day and self.ends_on is None:
            raise ValueError("'last_day' needs 'ends_on'")
        if self.review_on is not None and self.until is None:
            raise ValueError("'review_on' needs 'until': only an open-ended term is reviewed")
        return self

    def columns(self) -> frozenset[str]:
        return ref_columns(self.ends_on) | ref_columns(self.review_on)


class FurnisherFrom(_Strict):
    """Each row's furnisher from ``column`` (a multi-authority file): the cell, trimmed, is
    translated by ``values`` (the file's words for furnishers, e.g. ``{"E09000033": westminster}``)
    or, when not listed there, taken as the furnisher's id. Each row is checked against its
    own furnisher's remit; an unknown or blank furnisher quarantines the row."""

    column: ColumnName
    values: dict[str, Annotated[str, StringConstraints(min_length=1)]] = Field(default_factory=dict)

    def furnisher_of(self, cell: str) -> str:
        return self.values.get(cell, cell)

    @property
    def label(self) -> str:
        """What a run of such a file records as its furnisher (``ingest_runs.furnisher_id``)."""
        return f"column:{self.column}"[:64]


class Mapping(_Strict):
    furnisher: ColumnName | FurnisherFrom | None = None
    record_type: str | None = None
    record_type_column: str | None = None
    subject: SubjectMap
    source_ref: SourceRefMap
    occurred_on: Ref = Field(description=VALUE)
    effective_from: Ref | None = Field(default=None, description=VALUE)
    revision_column: str | None = None
    action_column: str | None = None
    finality: Finality = Finality.FINAL
    term: TermMap | None = None
    payload: dict[str, FieldMap] = Field(default_factory=dict)
    evidence: EvidenceMap | None = None
    provenance: ProvenanceMap
    required: dict[str, RequiredColumn] = Field(default_factory=dict)
    ignore_columns: list[str] = Field(default_factory=list)
    dates: DateRules = Field(default_factory=DateRules)

    @model_validator(mode="after")
    def _consistent(self) -> Mapping:
        if (self.record_type is None) == (self.record_type_column is None):
            raise ValueError("give exactly one of 'record_type' and 'record_type_column'")
        for name in self.payload:
            reason = denied_field_reason(name)
            if reason:
                raise ValueError(f"payload.{name}: {reason}")
        for key, template in (
            ("source_ref.template", self.source_ref.template),
            ("evidence.document_id", self.evidence.document_id if self.evidence else ""),
        ):
            template_columns(template, key)
        return self

    @property
    def furnisher_from(self) -> FurnisherFrom | None:
        """Set when each row names its furnisher (a multi-authority file)."""
        return self.furnisher if isinstance(self.furnisher, FurnisherFrom) else None

    def used_columns(self) -> frozenset[str]:
        """Every column this mapping reads."""
        columns = set(ref_columns(self.occurred_on)) | set(self.required)
        for source in (*self.subject.identifiers, *self.payload.values()):
            columns |= source.columns()
        columns |= template_columns(self.source_ref.template, "source_ref.template")
        plain = (
            self.record_type_column,
            self.subject.kind_column,
            self.revision_column,
            self.action_column,
            self.furnisher_from.column if self.furnisher_from else None,
        )
        columns |= {c for c in plain if c}
        columns |= ref_columns(self.subject.name_column) | ref_columns(self.effective_from)
        if self.term:
            columns |= self.term.columns()
        if self.evidence:
            columns |= ref_columns(self.evidence.issued_on)
            columns |= template_columns(self.evidence.document_id, "evidence.document_id")
        return frozenset(columns)


# ``{{`` and ``}}`` are literal braces; ``{...}`` names a column verbatim; a lone brace is an error.
_TEMPLATE_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
TemplatePart = tuple[str, str | None]  # the literal text before, the column (None: the end)


def template_parts(template: str, key: str) -> list[TemplatePart]:
    """``"{a} and {b c}!"`` -> ``[("", "a"), (" and ", "b c"), ("!", None)]``; a ValueError
    naming ``key`` and the position for a brace that opens or closes nothing."""
    parts: list[TemplatePart] = []
    literal: list[str] = []
    position = 0
    for match in _TEMPLATE_TOKEN.finditer(template):
        literal.append(template[position : match.start()])
        position = match.end()
        token, column = match.group(0), match.group(1)
        if token in ("{{", "}}"):
            literal.append(token[0])
        elif column is None:
            raise ValueError(
                f"{key}: a lone {token!r} at character {match.start() + 1} of {template!r} "
                "(write {{ or }} for a literal brace)"
            )
        elif not column.strip():
            raise ValueError(
                f"{key}: {{{column}}} at character {match.start() + 1} names no column "
                "(write {column name}, exactly as in the file's header)"
            )
        else:
            parts.append(("".join(literal), column))
            literal = []
    parts.append(("".join(literal) + template[position:], None))
    return parts


def template_columns(template: str, key: str) -> set[str]:
    return {column for _, column in template_parts(template, key) if column is not None}


def parse_mapping(data: Any, origin: str = "<mapping>") -> Mapping:
    """Validate a parsed YAML document; every problem names its key."""
    if not isinstance(data, dict):
        raise ValidationFailed(f"{origin}: a mapping must be a YAML object", code="invalid_mapping")
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc, data)
        raise ValidationFailed(
            f"{origin}: invalid mapping: " + "; ".join(problems),
            code="invalid_mapping",
            problems=problems,
        ) from None


# What a union's member says when the value is not of its kind at all: noise next to what
# the member that fits says (``furnisher: {colum: x}`` is not "a valid string").
_MISFIT = frozenset({"string_type", "model_type", "dict_type", "list_type"})


def _problems(exc: ValidationError, data: Any) -> list[str]:
    """One ``key.path: message`` per problem, the path as the mapping spells it: pydantic's
    names for the members of a union (``str``, ``ValueFrom``) are left out."""
    found: list[tuple[str, str, bool]] = []
    for error in exc.errors():
        path, in_union = document_path(data, error["loc"], error["type"] == "missing")
        found.append((path, error["msg"], in_union and error["type"] in _MISFIT))
    problems: list[str] = []
    for path, message, misfit in found:
        if misfit and any(p == path or p.startswith(f"{path}.") for p, _, m in found if not m):
            continue
        line = f"{path or '<root>'}: {message}"
        if line not in problems:
            problems.append(line)
    return problems


def load_mapping(path: Path) -> tuple[Mapping, bytes]:
    """The mapping at ``path`` and its raw bytes (part of the run's source key)."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"cannot read mapping {path}: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        raise ValidationFailed(f"{path}: not valid YAML: {exc}", code="invalid_mapping") from exc
    return parse_mapping(data, str(path)), content


def check_against_catalogue(
    mapping: Mapping, catalogue: Catalogue, furnisher_id: str | None
) -> None:
    """Problems that make every row fail are mapping errors, not thousands of quarantined rows.
    ``furnisher_id`` is None when each row names its furnisher (``furnisher.column``): then
    every furnisher ``furnisher.values`` names must be registered."""
    problems: list[str] = []
    if furnisher_id is not None and furnisher_id not in catalogue.furnishers:
        problems.append(f"furnisher: {furnisher_id!r} is not registered")
    if mapping.furnisher_from is not None:
        for value, target in mapping.furnisher_from.values.items():
            if target not in catalogue.furnishers:
                problems.append(f"furnisher.values.{value}: {target!r} is not registered")
    for i, ident in enumerate(mapping.subject.identifiers):
        if ident.scheme not in catalogue.scheme_ids():
            problems.append(f"subject.identifiers.{i}.scheme: unknown scheme {ident.scheme!r}")
    record_type = catalogue.record_types.get(mapping.record_type or "")
    if mapping.record_type and record_type is None:
        problems.append(f"record_type: {mapping.record_type!r} is not in the catalogue")
    for name in mapping.dates.by_record_type:
        if name not in catalogue.record_types:
            problems.append(f"dates.by_record_type.{name}: not a record type of the catalogue")
    if record_type is not None:
        for name in mapping.payload:
            if name not in record_type.payload:
                problems.append(f"payload.{name}: not a field of {record_type.id!r} (G-03)")
    if problems:
        raise ValidationFailed(
            "invalid mapping: " + "; ".join(problems), code="invalid_mapping", problems=problems
        )
