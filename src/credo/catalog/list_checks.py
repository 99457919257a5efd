"""The load-time checks of lists, measures, purposes and relying parties across the loaded
catalogue (G-09 to G-12, G-14, G-15, G-17, G-21, G-22, G-34, G-44); ``credo.catalog.guardrails``
runs them."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from credo.catalog.catalogue import Catalogue
from credo.catalog.lists import (
    BENEFIT_MEASURES,
    ListDef,
    MeasureDef,
    related,
)
from credo.catalog.parties import RelyingParty
from credo.catalog.problems import Problem
from credo.catalog.vocab import Polarity, SeverityTier, proxy_field_reason

Adder = Callable[[str, str], None]

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


@dataclass
class _Found:
    """The problems of one entry, each named by its key under the entry (``add``)."""

    catalogue: Catalogue
    section: str
    entry_id: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, key: str, text: str) -> None:
        self.problems.append(_problem(self.catalogue, self.section, self.entry_id, key, text))


def _list_def_problems(catalogue: Catalogue, list_def: ListDef) -> list[Problem]:
    found = _Found(catalogue, "lists", list_def.id)
    add = found.add

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
    return found.problems


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
    found = _Found(catalogue, "measures", measure.id)
    add = found.add

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
    return found.problems


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
