"""Declarative mappings from a file's columns to record statements (YAML, no code).

A mapping names the furnisher, the record type, how the subject is identified, the source
reference (a template over columns), the dates, the payload fields (each from one column with
a few declared conversions), the evidence and the provenance. ``load_mapping`` validates it
strictly: an invalid mapping is a ``ValidationFailed`` that names every offending key."""

from __future__ import annotations

import string
from datetime import date
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from credo.catalog.catalogue import Catalogue
from credo.catalog.vocab import Finality, SubjectKind, denied_field_reason
from credo.errors import ValidationFailed

Scalar = str | int | float | bool | None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Split(_Strict):
    """Take one part of a "programme / kind" value."""

    separator: str = Field(min_length=1)
    part: int = Field(ge=0)


class FieldMap(_Strict):
    """One payload field from one column. Conversions run in this order: trim, empty to
    null, split, value map."""

    column: str = Field(min_length=1)
    trim: bool = True
    empty_as_null: bool = True
    split: Split | None = None
    values: dict[str, Scalar] | None = None


class IdentifierMap(_Strict):
    column: str = Field(min_length=1)
    scheme: str = Field(min_length=1)


class SubjectMap(_Strict):
    kind: SubjectKind | None = None
    kind_column: str | None = None
    # The file's words for the kinds, e.g. {Firm: organisation, Individual: person}; a value
    # not listed is taken as it is (and refused by validation unless it is a kind).
    kind_values: dict[str, SubjectKind] = Field(default_factory=dict)
    identifiers: list[IdentifierMap] = Field(min_length=1, max_length=5)
    name_column: str | None = None

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
    issued_on: str = Field(min_length=1, description="column holding the issue date")


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

    ends_on: str | None = Field(default=None, min_length=1, description="column")
    last_day: bool = False
    open_ended_values: list[str] = Field(default_factory=list)
    until: Literal["performance", "conditional_release", "revocation"] | None = None
    review_on: str | None = Field(default=None, min_length=1, description="column")

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

    def columns(self) -> set[str]:
        return {c for c in (self.ends_on, self.review_on) if c}


class Mapping(_Strict):
    furnisher: str | None = None
    record_type: str | None = None
    record_type_column: str | None = None
    subject: SubjectMap
    source_ref: SourceRefMap
    occurred_on: str = Field(min_length=1, description="column")
    effective_from: str | None = Field(default=None, description="column")
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
            _template_columns(template, key)
        return self

    def used_columns(self) -> frozenset[str]:
        """Every column this mapping reads."""
        columns = {self.occurred_on, *self.required}
        columns |= {i.column for i in self.subject.identifiers}
        columns |= {f.column for f in self.payload.values()}
        columns |= _template_columns(self.source_ref.template, "source_ref.template")
        optional = (
            self.record_type_column,
            self.subject.kind_column,
            self.subject.name_column,
            self.effective_from,
            self.revision_column,
            self.action_column,
        )
        columns |= {c for c in optional if c}
        if self.term:
            columns |= self.term.columns()
        if self.evidence:
            columns.add(self.evidence.issued_on)
            columns |= _template_columns(self.evidence.document_id, "evidence.document_id")
        return frozenset(columns)


def _template_columns(template: str, key: str) -> set[str]:
    try:
        fields = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError as exc:
        raise ValueError(f"{key}: {exc}") from exc
    if any(not name or not name.isidentifier() for name in fields):
        raise ValueError(f"{key}: every {{...}} must name a column, e.g. {{camis}}")
    return set(fields)


def parse_mapping(data: Any, origin: str = "<mapping>") -> Mapping:
    """Validate a parsed YAML document; every problem names its key."""
    if not isinstance(data, dict):
        raise ValidationFailed(f"{origin}: a mapping must be a YAML object", code="invalid_mapping")
    try:
        return Mapping.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in error['loc']) or '<root>'}: {error['msg']}"
            for error in exc.errors()
        ]
        raise ValidationFailed(
            f"{origin}: invalid mapping: " + "; ".join(problems),
            code="invalid_mapping",
            problems=problems,
        ) from None


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


def check_against_catalogue(mapping: Mapping, catalogue: Catalogue, furnisher_id: str) -> None:
    """Problems that make every row fail are mapping errors, not thousands of quarantined rows."""
    problems: list[str] = []
    if furnisher_id not in catalogue.furnishers:
        problems.append(f"furnisher: {furnisher_id!r} is not registered")
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
