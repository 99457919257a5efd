"""Catalogue models of lists and measures (see credo.lists, credo.checks), with the
guardrails each entry meets on its own; the checks across entries (G-09 to G-12, G-14, G-15,
G-17, G-21, G-22, G-34, G-44) are in ``credo.catalog.list_checks``.

Entry rules are data: record types plus a small closed set of payload comparisons, or a rating
band. There is no negation ("not on the red list", G-15) and no free-form formula."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from credo.catalog.models import Duration, LegalBasis, Slug, Strict, Text
from credo.catalog.vocab import (
    Domain,
    ExitCondition,
    Polarity,
    SeverityTier,
    SubjectKind,
)

ListKind = Literal["red", "black", "focus"]
MeasureKind = Literal["deny", "restrict", "review", "priority", "waiver"]
ADVERSE_MEASURES: frozenset[str] = frozenset({"deny", "restrict", "review"})
BENEFIT_MEASURES: frozenset[str] = frozenset({"priority", "waiver"})

# Domains whose records may, without a cross-domain authorisation, trigger measures in the key
# domain (G-10). Deliberately small: anything else is cross-domain.
RELATED_DOMAINS: dict[Domain, frozenset[Domain]] = {
    Domain.FINANCE: frozenset({Domain.CONSUMER_CREDIT}),
    Domain.CONSUMER_CREDIT: frozenset({Domain.FINANCE}),
    Domain.FOOD_SAFETY: frozenset({Domain.MARKET_REGULATION}),
    Domain.PRODUCT_QUALITY: frozenset({Domain.MARKET_REGULATION}),
    Domain.MARKET_REGULATION: frozenset({Domain.FOOD_SAFETY, Domain.PRODUCT_QUALITY}),
}


def related(measure_domain: Domain, trigger_domain: Domain) -> bool:
    return trigger_domain == measure_domain or trigger_domain in RELATED_DOMAINS.get(
        measure_domain, frozenset()
    )


class Condition(Strict):
    """One payload comparison: ``field op value``. The operators are a closed set."""

    field: Slug = Field(description="The payload field compared")
    op: Literal["eq", "in", "gte", "lte"] = Field(
        description="eq: equals; in: one of a list; gte, lte: at least, at most"
    )
    value: str | float | int | bool | list[str] = Field(
        description="What the field is compared with (a list for in)"
    )

    def holds(self, payload: dict[str, Any]) -> bool:
        actual = payload.get(self.field)
        if actual is None:
            return False
        if self.op == "eq":
            return bool(actual == self.value)
        if self.op == "in":
            return isinstance(self.value, list) and actual in self.value
        if isinstance(self.value, (list, bool, str)) or isinstance(actual, (bool, str)):
            return False
        return actual >= self.value if self.op == "gte" else actual <= self.value


class RepeatOffence(Strict):
    """Escalation by counting is allowed only where the law provides it (G-12)."""

    article: str = Field(
        min_length=3, description="The article that provides escalation by repetition"
    )
    window: Duration = Field(description="How far back repeated records count")


class RatingBand(Strict):
    rating: Slug = Field(description="The rating whose band enters the list")
    bands: list[str] = Field(min_length=1, description="The bands that enter it")


class EntryRule(Strict):
    """Records of these types meeting every condition; or a rating band. ``min_count`` above
    one is escalation by counting and needs ``repeat_offence`` (G-12)."""

    record_types: list[Slug] = Field(
        default_factory=list, description="Records of these types enter the list"
    )
    conditions: list[Condition] = Field(
        default_factory=list, description="Every condition must hold on the record's payload"
    )
    min_count: int = Field(default=1, ge=1, le=10, description="How many such records it takes")
    repeat_offence: RepeatOffence | None = Field(
        default=None,
        description="The legal basis for counting (needed above one for minor or general records)",
    )
    rating_band: RatingBand | None = Field(
        default=None, description="Or: subjects in these bands of a rating"
    )

    @model_validator(mode="after")
    def _one_source(self) -> EntryRule:
        if bool(self.record_types) == bool(self.rating_band):
            raise ValueError("an entry rule names either record_types or a rating_band")
        return self


class DomainInstrument(Strict):
    """What lists and measures both are: a versioned instrument of one life area, set up by a
    legal provision, for some kinds of subject."""

    id: Slug = Field(description="Its code")
    version: int = Field(default=1, description="Raised on every change")
    name: Text = Field(description="Its name")
    domain: Domain = Field(description="The life area where it applies")
    legal_basis: LegalBasis = Field(description="The provision that sets it up")
    subject_kinds: list[SubjectKind] = Field(min_length=1, description="Who it may concern")

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


class ListDef(DomainInstrument):
    kind: ListKind = Field(
        description="red: a reward list; black: a restriction list; focus: for review only"
    )
    entry: EntryRule = Field(description="What puts a subject on the list")
    max_term: Duration | None = Field(default=None, description="The longest an entry lasts")
    exit_conditions: list[ExitCondition] = Field(
        default_factory=list, description="The events that end an entry"
    )
    publicity: Literal["public_masked", "not_public"] = Field(
        default="not_public",
        description="public_masked: on the public register with masked identifiers",
    )
    immediate_effect_article: str | None = Field(
        default=None, min_length=3, description="Article providing effect without notice (G-22)"
    )
    minors_authorised: bool = Field(default=False, description="The law allows minors on this list")

    @property
    def polarity(self) -> Polarity:
        return Polarity.POSITIVE if self.kind == "red" else Polarity.NEGATIVE


class CrossDomainBasis(Strict):
    """The provision that expressly attaches this measure to lists of another domain (G-10)."""

    kind: Literal["statute", "policy"] = Field(
        description="statute: a law; policy: a policy document"
    )
    instrument: str = Field(min_length=3, description="The instrument's official title")
    article: str = Field(min_length=1, description="The provision")
    names_lists: list[Slug] = Field(min_length=1, description="The other domains' lists it names")


class MeasureDef(DomainInstrument):
    kind: MeasureKind = Field(
        description="deny, restrict, review (adverse); priority, waiver (benefits)"
    )
    triggered_by: list[Slug] = Field(min_length=1, description="The lists whose entries trigger it")
    severity: SeverityTier = Field(description="How heavy it is")
    purposes: list[Slug] = Field(min_length=1, description="The purposes of checks that show it")
    effect: Text = Field(description="What a relying party does, in plain words")
    max_duration: Duration | None = Field(default=None, description="The longest it applies")
    cross_domain: CrossDomainBasis | None = Field(
        default=None, description="The provision that attaches it to another domain's lists"
    )
    significant: bool = Field(
        default=False,
        description="The measure has a legal or similarly significant effect: a decision that "
        "applies it is advisory until a named person of the relying party confirms or "
        "overrides it (G-37, credo.checks.review). Only for adverse measures.",
    )
