"""Strict typed models of the catalogue. Unknown keys are errors (``extra="forbid"``)."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from credo.catalog.vocab import (
    AuthorityKind,
    Domain,
    EvidenceKind,
    ExitCondition,
    Polarity,
    SeverityTier,
    SubjectKind,
)

Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


_DURATION = re.compile(r"^(\d+)([dmy])$")


class Duration(Strict):
    """A period written as ``90d``, ``6m`` or ``3y`` in the YAML."""

    amount: int
    unit: Literal["d", "m", "y"]

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, str):
            match = _DURATION.match(value.strip())
            if not match:
                raise ValueError(f"{value!r} is not a period like '90d', '6m' or '3y'")
            return {"amount": int(match.group(1)), "unit": match.group(2)}
        return value

    @property
    def approx_days(self) -> int:
        return self.amount * {"d": 1, "m": 30, "y": 365}[self.unit]

    def add_to(self, start: date) -> date:
        """The date this period after ``start`` (calendar months and years)."""
        if self.unit == "d":
            return start + timedelta(days=self.amount)
        months = self.amount * (12 if self.unit == "y" else 1)
        year, month0 = divmod(start.month - 1 + months, 12)
        year += start.year
        day = min(start.day, _days_in_month(year, month0 + 1))
        return date(year, month0 + 1, day)

    def __str__(self) -> str:
        return f"{self.amount}{self.unit}"


def _days_in_month(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


PORTAL_LANGUAGES = ("en", "zh")  # the languages the portal and the notices can speak


class Text(Strict):
    """A short text in each of the registry's languages (``registry.languages``)."""

    en: str = Field(min_length=1, description="English (always required)")
    zh: str | None = Field(
        default=None,
        min_length=1,
        description="Simplified Chinese; required when registry.languages includes zh",
    )


class LegalBasis(Strict):
    instrument: str = Field(
        min_length=3, description="The law, regulation or decision, by its official title"
    )
    article: str = Field(min_length=1, description="The articles that provide for it")
    jurisdiction: str = Field(
        min_length=2, description="Where the instrument applies, e.g. CN, EU, US"
    )
    text: str = Field(min_length=10, description="What the provision says, in plain words")


class PayloadField(Strict):
    type: Literal["string", "integer", "number", "boolean", "date", "enum"] = Field(
        description="The value's type; enum takes one of values"
    )
    required: bool = Field(default=False, description="A record without it is refused")
    values: list[str] | None = Field(
        default=None, description="The allowed values of an enum field"
    )
    minimum: float | None = Field(default=None, description="The smallest allowed number")
    maximum: float | None = Field(default=None, description="The largest allowed number")
    max_length: int | None = Field(default=500, description="The longest allowed text")
    category: str | None = Field(
        default=None, description="The kind of data it holds; special categories are refused (G-03)"
    )
    free_text: bool = Field(default=False, description="A text written by a person, not a code")
    description: str | None = Field(default=None, description="What the field holds, for people")
    # The value grid of a number (issue 15): ingestion refuses a value off it (quarantined with
    # the reason) and explanations state counterfactuals on it ("10 or lower", never 9.99).
    step: float | None = Field(
        default=None,
        gt=0,
        allow_inf_nan=False,
        description="integer/number only: allowed values are minimum (or 0) plus multiples of it",
    )
    grid: list[Annotated[float, Field(allow_inf_nan=False)]] | None = Field(
        default=None, min_length=1, description="integer/number only: the allowed values"
    )

    @model_validator(mode="after")
    def _enum_has_values(self) -> PayloadField:
        if self.type == "enum" and not self.values:
            raise ValueError("an enum field needs a non-empty 'values' list")
        if (self.step is not None or self.grid is not None) and self.type not in (
            "integer",
            "number",
        ):
            raise ValueError("step and grid are for integer and number fields only")
        if self.step is not None and self.grid is not None:
            raise ValueError("give step or grid, not both")
        outside = [
            v
            for v in self.grid or []
            if (self.minimum is not None and v < self.minimum)
            or (self.maximum is not None and v > self.maximum)
        ]
        if outside:
            raise ValueError(f"grid values {outside} lie outside [minimum, maximum]")
        return self

    def on_grid(self, number: float) -> bool:
        """Whether ``number`` is a value the field's grid allows (no grid: any)."""
        if self.grid is not None:
            return any(math.isclose(number, v, rel_tol=1e-12, abs_tol=1e-9) for v in self.grid)
        if self.step is not None:
            steps = (number - (self.minimum or 0.0)) / self.step
            return math.isclose(steps, round(steps), rel_tol=0.0, abs_tol=1e-9)
        return True

    def grid_text(self) -> str:
        """The grid in words, for a one-line refusal."""
        if self.grid is not None:
            return "one of " + ", ".join(f"{v:g}" for v in sorted(self.grid))
        return f"a multiple of {self.step:g} from {self.minimum or 0.0:g}"


class Repair(Strict):
    allowed: bool = Field(
        description="Whether a subject may apply for credit repair of this type's records"
    )
    conditions: list[str] = Field(
        default_factory=list,
        description="What the subject must show to be repaired (needed when allowed)",
    )
    earliest_after: Duration | None = Field(
        default=None, description="The earliest a repair application is accepted, after the start"
    )

    @model_validator(mode="after")
    def _conditions_when_allowed(self) -> Repair:
        if self.allowed and not self.conditions:
            raise ValueError("a repairable type must name its repair conditions")
        return self


class RecordType(Strict):
    id: Slug = Field(description="The type's code, used by furnishers, ratings and lists")
    version: int = Field(
        default=1,
        description="Raised on every change; records keep the version they were written under",
    )
    name: Text = Field(description="The type's name for people")
    purpose: str = Field(
        min_length=10, description="Why the registry holds these records, in plain words"
    )
    legal_basis: LegalBasis = Field(
        description="The provision that lets the registry hold these records"
    )
    issuing_authority_kind: AuthorityKind = Field(
        description="The kind of authority that decides these records"
    )
    domain: Domain = Field(description="The life area the records concern")
    subject_kinds: list[SubjectKind] = Field(
        min_length=1, description="Who the records may concern"
    )
    polarity: Polarity = Field(
        description="Whether a record counts against the subject, for them, or neither"
    )
    severity_tier: SeverityTier = Field(description="How grave the decided conduct is")
    min_publicity: Duration = Field(description="The shortest a public record stays published")
    max_effect: Duration = Field(
        description="The longest a record has effect, from its start or latest confirm"
    )
    retention_max: Duration = Field(description="The longest a record is kept; then it is erased")
    evidence_kind: list[EvidenceKind] = Field(
        min_length=1, description="The decisions a record must rest on"
    )
    exit_conditions: list[ExitCondition] = Field(
        min_length=1, description="The events that end a record's effect"
    )
    repairable: Repair = Field(description="Whether and how a subject may apply for credit repair")
    impact_assessment_ref: str = Field(
        min_length=3, description="The reference of the type's impact assessment"
    )
    public: bool = Field(
        default=False, description="Records of this type are shown on the public register"
    )
    criminal: bool = Field(default=False, description="Records carry criminal-offence data")
    enforceable_pending_appeal: bool = Field(
        default=False, description="A record has effect while an appeal is pending"
    )
    # An assessment (an inspection grade, an annual tax grade) holds until the next assessment
    # of the same type supersedes it, within the profile's validity ceiling: its max_effect is
    # bounded by the profile's assessment_validity instead of its severity tier's ceiling, and
    # a rating whose assessments have all passed it is not rated (reason stale_assessment).
    assessment: bool = Field(
        default=False, description="A grade that holds until the next one supersedes it"
    )
    creates_subject: bool = Field(
        default=False, description="A record may register a subject the registry does not know yet"
    )
    supersedes_by: Literal["revision"] = Field(
        default="revision", description="How a newer statement replaces an older one"
    )
    payload: dict[Slug, PayloadField] = Field(
        default_factory=dict, description="The decision's fields: name to field definition"
    )
    published_at: date | None = Field(
        default=None, description="When the type was published for comment"
    )
    effective_from: date | None = Field(
        default=None, description="When records of the type may first be written"
    )

    @field_validator("evidence_kind", mode="before")
    @classmethod
    def _evidence_list(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value


class Furnisher(Strict):
    id: Slug = Field(description="The furnisher's code")
    name: Text = Field(description="The authority's name")
    authority_kind: AuthorityKind = Field(description="The kind of authority it is")
    official_authority: bool = Field(
        default=True, description="A public authority acting in its official capacity"
    )
    remit: list[Slug] = Field(min_length=1, description="The record types it may write")


# The loosest threshold a catalogue may set: above it, a furnisher whose records are wrong
# more often than right could keep writing, and G-49 would be switched off by configuration.
LOOSEST_QUALITY_THRESHOLD = 0.5


class QualityThresholds(Strict):
    """The highest each rate may be before the furnisher is held (fractions: 0.1 is 10 %;
    the rates are defined in docs/due-process.md)."""

    dispute_rate: float = 0.2
    correction_rate: float = 0.1
    overturn_rate: float = 0.05
    late_response_rate: float = 0.1

    @field_validator("*")
    @classmethod
    def _in_range(cls, value: float) -> float:
        if not 0 < value <= LOOSEST_QUALITY_THRESHOLD:
            raise ValueError(
                f"{value} is not a threshold: give a share above 0 and at most "
                f"{LOOSEST_QUALITY_THRESHOLD} (0.1 is 10 %); a looser one would leave a "
                "furnisher whose records are wrong more often than right writing (G-49)"
            )
        return value


class FurnisherQuality(Strict):
    """G-49: how each furnisher's quality is measured and when it is held for review
    (the catalogue's ``furnisher_quality`` section; defaults apply without one)."""

    window_days: int = Field(default=90, ge=30, le=365, description="The rolling window")
    min_records: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Fewer records furnished in the window: rates are shown, no hold",
    )
    min_disputes_due: int = Field(
        default=5,
        ge=1,
        le=1000,
        description="Fewer disputes due in the window: the late-response rate holds no one",
    )
    thresholds: QualityThresholds = Field(default_factory=QualityThresholds)


class IdentifierScheme(Strict):
    """A registered identifier scheme besides the built-in cn_ric, cn_uscc and lei (validated by
    python-stdnum). The kinds are closed: a catalogue registers only an issuer's reference
    number (``issuer_reference``) with a declared structure that no name or free text can
    pass (G-19; the rule is ``guardrails.scheme_pattern_problems``, docs/catalogue.md)."""

    id: Slug = Field(description="The scheme's code, used in identifiers and mappings")
    kind: Literal["issuer_reference"] = Field(description="The only kind a catalogue registers")
    name: Text = Field(description="The scheme's name")
    subject_kinds: list[SubjectKind] = Field(min_length=1, description="Who the scheme identifies")
    pattern: str = Field(min_length=2, description="Regular expression for the whole value")
    example: str = Field(min_length=1, description="A real-shaped value the pattern accepts")
    issuer: str = Field(description="Who issues the numbers")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"pattern does not compile: {exc}") from exc
        return value


class EffectCeiling(Strict):
    min: Duration | None = Field(
        default=None, description="The earliest a subject may apply for repair"
    )
    max: Duration = Field(description="The longest a record of the tier has effect")

    @model_validator(mode="after")
    def _min_within_max(self) -> EffectCeiling:
        if self.min is not None and self.min.approx_days > self.max.approx_days:
            raise ValueError(f"min {self.min} is longer than max {self.max}")
        return self


# Keys of a profile that are not values: a catalogue cannot change them, and they need no source.
PROFILE_META_KEYS = ("id", "name", "version", "sources")


class Profile(Strict):
    """Jurisdiction parameters (GUARDRAILS.md part 4). The profiles are built in
    (``credo/catalog/profiles/*.yaml``), versioned, and cite a source for every value; a
    catalogue selects one and may only tighten it (``credo.catalog.profiles``)."""

    id: str = Field(pattern=r"^[A-Z][A-Z0-9-]*$")
    name: str
    version: int = Field(ge=1)
    dispute_deadline_days: int = Field(ge=1, le=45)
    dispute_extension_days: int = Field(default=0, ge=0, le=15)
    furnisher_notice_business_days: int = Field(ge=1)
    result_notice_business_days: int = Field(ge=1)
    objection_window_days: int = Field(ge=0)
    catalogue_comment_days: int = Field(ge=30)
    inquiry_retention_days: int = Field(ge=365)
    quarantine_retention_days: int = Field(
        ge=1,
        le=365,
        description="How long a refused input row (which may hold raw personal data) is kept "
        "for its furnisher to see and correct before the retention job deletes it (G-41)",
    )
    correction_lookback_days: int | None = Field(
        default=None, description="None: every recipient, however long ago (GDPR Art. 19)"
    )
    decision_validity_hours: int = Field(ge=1, le=24)
    cross_domain_measures: Literal["forbidden", "statute_named", "law_or_policy_named"]
    effect_ceiling: dict[SeverityTier, EffectCeiling]
    consumer_credit_max: Duration
    minors_on_negative_lists: bool = False
    repair_decision_days: int = Field(ge=1)
    free_reports_per_year: int | None = Field(default=None, description="None: no limit")
    assessment_validity: Duration = Field(
        description="The longest an assessment (an inspection grade, an annual tax grade) "
        "holds when no newer assessment of the same kind follows"
    )
    sources: dict[str, Annotated[str, Field(min_length=5)]] = Field(
        description="Citation for every value: key (effect_ceiling.<tier> per tier) -> source"
    )

    @classmethod
    def value_keys(cls) -> list[str]:
        """The keys that carry a value and need a source, effect ceilings per tier."""
        keys = [k for k in cls.model_fields if k not in PROFILE_META_KEYS]
        at = keys.index("effect_ceiling")
        keys[at : at + 1] = [f"effect_ceiling.{tier.value}" for tier in SeverityTier]
        return keys

    @model_validator(mode="after")
    def _all_tiers(self) -> Profile:
        missing = [t.value for t in SeverityTier if t not in self.effect_ceiling]
        if missing:
            raise ValueError(f"effect_ceiling lacks tiers: {', '.join(missing)}")
        return self

    @model_validator(mode="after")
    def _every_value_has_a_source(self) -> Profile:
        wanted = self.value_keys()
        missing = [k for k in wanted if k not in self.sources]
        unknown = sorted(set(self.sources) - set(wanted))
        if missing:
            raise ValueError(f"sources lacks a citation for: {', '.join(missing)}")
        if unknown:
            raise ValueError(
                f"sources names keys that are not profile values: {', '.join(unknown)}"
            )
        return self


class Registry(Strict):
    name: Text = Field(description="The registry's name")
    jurisdiction: str = Field(description="Where the registry operates, e.g. CN-demo")
    profile: str = Field(description="The built-in profile the catalogue selects (CN, EU, US-FCRA)")
    min_cell_size: int = Field(
        default=10,
        ge=5,
        description="The smallest count of people a statistic may show; smaller cells are "
        "suppressed (G-50, credo.statistics)",
    )
    languages: list[Literal["en", "zh"]] = Field(
        default=["en", "zh"],
        min_length=1,
        description="The languages the registry's texts are written in and the portal offers; "
        "every name and sentence in the catalogue, and every label, must exist in each of them "
        "(English is required: it is the language the catalogue's sentences are written in)",
    )
    language: str = Field(
        default="en",
        pattern=r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$",
        description="The language notices are written in to a subject who has chosen none "
        "(credo.notices.reader)",
    )
    time_zone: str = Field(
        default="UTC",
        description="The IANA time zone in which notices give dates and times (e.g. Asia/Shanghai)",
    )

    @field_validator("languages")
    @classmethod
    def _english_first(cls, value: list[str]) -> list[str]:
        if "en" not in value:
            raise ValueError("must include en (the catalogue's sentences are written in English)")
        if len(set(value)) != len(value):
            raise ValueError("lists a language twice")
        return value

    @model_validator(mode="after")
    def _notices_in_a_registry_language(self) -> Registry:
        if self.language.split("-")[0] not in self.languages:
            raise ValueError(
                f"language {self.language!r} is not one of registry.languages "
                f"({', '.join(self.languages)})"
            )
        return self

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Asia/Shanghai)") from exc
        return value
