"""Catalogue models of lists, measures, purposes and relying parties (see credo.lists,
credo.checks), and their load-time guardrails (G-09 to G-12, G-14, G-15, G-17, G-21, G-22,
G-34, G-44).

Entry rules are data: record types plus a small closed set of payload comparisons, or a rating
band. There is no negation ("not on the red list", G-15) and no free-form formula."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator, model_validator

from credo.catalog.models import Duration, LegalBasis, Slug, Strict, Text
from credo.catalog.vocab import (
    Domain,
    ExitCondition,
    Polarity,
    SeverityTier,
    SubjectKind,
    proxy_field_reason,
)

if TYPE_CHECKING:
    from credo.catalog.catalogue import Catalogue
    from credo.catalog.problems import Problem

Adder = Callable[[str, str], None]
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

# Words that would make a list or measure reach beyond the record's own subject (G-17).
ASSOCIATE_TOKENS: tuple[str, ...] = (
    "family",
    "relative",
    "spouse",
    "child",
    "children",
    "parent",
    "household",
    "kin",
    "employer",
    "employee",
    "shareholder",
    "director",
    "associate",
    "contact",
    "linked",
)

# A callback host a relying party may name: a DNS name in lower case, or "*." and a domain.
HOST_PATTERN = re.compile(r"(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")


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


class ListDef(Strict):
    id: Slug = Field(description="The list's code")
    version: int = Field(default=1, description="Raised on every change")
    name: Text = Field(description="The list's name")
    kind: ListKind = Field(
        description="red: a reward list; black: a restriction list; focus: for review only"
    )
    domain: Domain = Field(description="The life area of the list")
    legal_basis: LegalBasis = Field(description="The provision that sets up the list")
    subject_kinds: list[SubjectKind] = Field(min_length=1, description="Who may be on it")
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

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


class CrossDomainBasis(Strict):
    """The provision that expressly attaches this measure to lists of another domain (G-10)."""

    kind: Literal["statute", "policy"] = Field(
        description="statute: a law; policy: a policy document"
    )
    instrument: str = Field(min_length=3, description="The instrument's official title")
    article: str = Field(min_length=1, description="The provision")
    names_lists: list[Slug] = Field(min_length=1, description="The other domains' lists it names")


class MeasureDef(Strict):
    id: Slug = Field(description="The measure's code")
    version: int = Field(default=1, description="Raised on every change")
    name: Text = Field(description="The measure's name")
    kind: MeasureKind = Field(
        description="deny, restrict, review (adverse); priority, waiver (benefits)"
    )
    domain: Domain = Field(description="The life area where it applies")
    legal_basis: LegalBasis = Field(description="The provision that imposes it")
    subject_kinds: list[SubjectKind] = Field(min_length=1, description="Who it may apply to")
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

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"


class Purpose(Strict):
    id: Slug = Field(description="The purpose's code")
    name: Text = Field(description="The purpose's name")
    domains: list[Domain] = Field(min_length=1, description="The life areas its checks concern")
    legal_basis: LegalBasis = Field(description="The provision that allows checks for it")
    ground: Literal[
        "subject_transaction", "legal_obligation", "court_order", "written_instruction"
    ] = Field(
        description="Why a relying party may check: the subject's own transaction, a legal "
        "obligation, a court order or a written instruction"
    )
    past_dates: bool = Field(
        default=False,
        description="A check for this purpose may ask about a past date (``as_of``), e.g. "
        "whether a supplier was debarred on the day a contract was awarded. Never for a "
        "subject's transaction, which is decided on today's facts.",
    )
    significant: bool = Field(
        default=False,
        description="Every adverse decision for this purpose has a legal or similarly "
        "significant effect: all its adverse measures are advisory until a named person of the "
        "relying party confirms or overrides the decision (G-37, credo.checks.review).",
    )


class RelyingParty(Strict):
    id: Slug = Field(description="The relying party's code")
    name: Text = Field(description="The relying party's name")
    sector: str = Field(min_length=2, description="Its line of business")
    purposes: list[Slug] = Field(min_length=1, description="The purposes it may check for")
    callback_hosts: list[str] | None = Field(
        default=None,
        description="Where this party's webhooks may go: host names (``hooks.bank.example``) "
        "or ``*.`` followed by a domain for any host under it. Checked when a subscription is "
        "made and at every delivery, on top of the public-address rule (credo.checks.callbacks)."
        " None: any public host.",
    )

    @field_validator("callback_hosts")
    @classmethod
    def _host_patterns(cls, hosts: list[str] | None) -> list[str] | None:
        if hosts is None:
            return None
        for host in hosts:
            if not HOST_PATTERN.fullmatch(host):
                raise ValueError(f"{host!r} is not a lower-case host name or '*.' and a domain")
        return hosts


def list_problems(catalogue: Catalogue) -> list[Problem]:
    """Cross-entry checks for lists, measures, purposes and relying parties."""
    problems: list[Problem] = []
    for list_def in catalogue.lists.values():
        problems += _list_def_problems(catalogue, list_def)
    for measure in catalogue.measures.values():
        problems += _measure_problems(catalogue, measure)
    for purpose in catalogue.purposes.values():
        if purpose.past_dates and purpose.ground == "subject_transaction":
            text = "a transaction is decided on today's facts: no checks about past dates (G-34)"
            problems.append(_problem(catalogue, "purposes", purpose.id, "past_dates", text))
    for party in catalogue.relying_parties.values():
        problems += _party_problems(catalogue, party)
    return problems


def _problem(catalogue: Catalogue, section: str, entry_id: str, key: str, text: str) -> Problem:
    from credo.catalog.problems import Problem

    where = f"{section}[{entry_id}]" + (f".{key}" if key else "")
    return Problem(catalogue.origin_of(section, entry_id), where, text)


def _associate_word(*texts: str) -> str | None:
    """The first associate token among the words of the texts, plurals included ("relatives",
    "families"): words split on anything that is not a letter, so "defaulters'" and
    "families/associates" are read too."""
    words = {_singular(w) for text in texts for w in re.split(r"[^a-z]+", text.lower()) if w}
    return next((t for t in ASSOCIATE_TOKENS if t in words), None)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _list_def_problems(catalogue: Catalogue, list_def: ListDef) -> list[Problem]:
    out: list[Problem] = []

    def add(key: str, text: str) -> None:
        out.append(_problem(catalogue, "lists", list_def.id, key, text))

    if list_def.max_term is None or list_def.max_term.amount <= 0:
        add("max_term", "a list needs a finite maximum term: there are no permanent lists (G-44)")
    if not list_def.exit_conditions:
        add("exit_conditions", "a list needs exit conditions: there are no permanent lists (G-44)")
    _entry_rule_problems(catalogue, list_def, add)
    negative = list_def.polarity is Polarity.NEGATIVE
    if negative and list_def.minors_authorised and not catalogue.profile.minors_on_negative_lists:
        add(
            "minors_authorised",
            f"the {catalogue.profile.id} profile never puts minors on a negative list (G-21)",
        )
    word = _associate_word(list_def.id, list_def.name.en)
    if word:
        add("id", f"mentions {word!r}: a list concerns only the records' own subject (G-17)")
    return out


def _entry_rule_problems(catalogue: Catalogue, list_def: ListDef, add: Adder) -> None:
    rule = list_def.entry
    if rule.rating_band is not None and rule.rating_band.rating not in catalogue.ratings:
        add("entry.rating_band", f"unknown rating {rule.rating_band.rating!r}")
    tiers: list[SeverityTier] = []
    for type_id in rule.record_types:
        record_type = catalogue.record_types.get(type_id)
        if record_type is None:
            add("entry.record_types", f"unknown record type {type_id!r}")
            continue
        tiers.append(record_type.severity_tier)
        if list_def.polarity is Polarity.NEGATIVE and record_type.polarity is Polarity.POSITIVE:
            add("entry.record_types", f"a negative list cannot be entered by {type_id!r} (G-15)")
        for condition in rule.conditions:
            spec = record_type.payload.get(condition.field)
            if spec is None:
                add("entry.conditions", f"{type_id!r} has no payload field {condition.field!r}")
            proxy = proxy_field_reason(condition.field, spec.category if spec else None)
            if proxy:
                add("entry.conditions", f"{type_id}.{condition.field}: {proxy}")
        kinds = set(list_def.subject_kinds) - set(record_type.subject_kinds)
        if kinds:
            names = ", ".join(sorted(k.value for k in kinds))
            add(
                "subject_kinds",
                f"{type_id!r} records never concern {names}: one subject's records never put "
                "another kind of subject on a list (G-18)",
            )
    counted = rule.min_count > 1
    light = any(t is not SeverityTier.SERIOUS for t in tiers)
    if counted and light and rule.repeat_offence is None:
        add(
            "entry.min_count",
            "counting minor or general records needs a repeat-offence legal basis with an "
            "article and a time window (G-12)",
        )
    heaviest = max(tiers, key=lambda t: t.rank) if tiers else None
    term = list_def.max_term
    if heaviest is not None and term is not None:
        ceiling = catalogue.profile.effect_ceiling[heaviest].max
        if term.approx_days > ceiling.approx_days:
            add(
                "max_term",
                f"{term} exceeds the {catalogue.profile.id} ceiling of {ceiling} for "
                f"{heaviest.value} records (G-01, G-44)",
            )


def list_severity(catalogue: Catalogue, list_def: ListDef) -> SeverityTier | None:
    """The lightest severity tier of the records that can put a subject on the list."""
    tiers = [
        catalogue.record_types[t].severity_tier
        for t in list_def.entry.record_types
        if t in catalogue.record_types
    ]
    return min(tiers, key=lambda t: t.rank) if tiers else None


def _measure_problems(catalogue: Catalogue, measure: MeasureDef) -> list[Problem]:
    out: list[Problem] = []

    def add(key: str, text: str) -> None:
        out.append(_problem(catalogue, "measures", measure.id, key, text))

    if measure.max_duration is None or measure.max_duration.amount <= 0:
        add("max_duration", "a measure needs a finite maximum duration (G-44)")
    word = _associate_word(measure.id, measure.name.en, measure.effect.en)
    if word:
        add("id", f"mentions {word!r}: a measure affects only the records' own subject (G-17)")
    if measure.significant and measure.kind in BENEFIT_MEASURES:
        add(
            "significant",
            f"a {measure.kind} is a benefit: only adverse measures (deny, restrict, review) are "
            "held for a person's confirmation (G-37)",
        )
    for purpose_id in measure.purposes:
        purpose = catalogue.purposes.get(purpose_id)
        if purpose is None:
            add("purposes", f"unknown purpose {purpose_id!r}")
        elif measure.domain not in purpose.domains:
            add(
                "purposes",
                f"purpose {purpose_id!r} covers {', '.join(d.value for d in purpose.domains)}, "
                f"not this measure's domain {measure.domain.value!r} (G-34)",
            )
    for list_id in measure.triggered_by:
        list_def = catalogue.lists.get(list_id)
        if list_def is None:
            add("triggered_by", f"unknown list {list_id!r}")
            continue
        _trigger_problems(catalogue, measure, list_def, add)
    return out


def _trigger_problems(
    catalogue: Catalogue, measure: MeasureDef, list_def: ListDef, add: Adder
) -> None:
    benefit = measure.kind in BENEFIT_MEASURES
    if benefit != (list_def.kind == "red"):
        side = "benefit" if benefit else "restriction"
        add(
            "triggered_by",
            f"a {side} cannot be triggered by the {list_def.kind} list {list_def.id!r}: "
            "rewards come from red lists and restrictions from black or focus lists (G-15)",
        )
    if list_def.kind == "focus" and measure.kind != "review":
        add(
            "kind",
            f"a focus list ({list_def.id!r}) can only trigger a review, not a {measure.kind}",
        )
    tier = list_severity(catalogue, list_def)
    if not benefit and tier is not None and measure.severity.rank > tier.rank:
        add(
            "severity",
            f"a {measure.severity.value} measure is heavier than the {tier.value} records that "
            f"can put a subject on {list_def.id!r} (G-11)",
        )
    if not related(measure.domain, list_def.domain):
        refused = _cross_domain_problem(catalogue, measure, list_def)
        if refused:
            add("cross_domain", refused)


def _cross_domain_problem(
    catalogue: Catalogue, measure: MeasureDef, list_def: ListDef
) -> str | None:
    """Why a trigger from an unrelated domain is refused, or None when it is authorised."""
    profile = catalogue.profile
    crossing = f"{list_def.domain.value!r} list {list_def.id!r} -> {measure.domain.value!r} measure"
    if profile.cross_domain_measures == "forbidden":
        return f"{crossing}: the {profile.id} profile forbids cross-domain measures (G-10)"
    basis = measure.cross_domain
    if basis is None or list_def.id not in basis.names_lists:
        return f"{crossing}: needs a cross_domain legal basis that names this list (G-10)"
    # Under "statute_named" a policy basis is still accepted for now (it is shown in every
    # decision): refusing it would refuse the demo's memoranda, a decision for the lead.
    return None


def _party_problems(catalogue: Catalogue, party: RelyingParty) -> list[Problem]:
    return [
        _problem(
            catalogue, "relying_parties", party.id, "purposes", f"unknown purpose {purpose_id!r}"
        )
        for purpose_id in party.purposes
        if purpose_id not in catalogue.purposes
    ]
