"""The decision: which catalogued measures apply to a subject for one purpose on one day, and
why. Pure functions over list entries; measures are never stored (G-16).

A decision cannot be built without its provenance (G-35): each applied measure carries the
list entry, the records, the rule and the legal bases; the decision carries the subject's
rights, ``as_of`` and ``valid_until`` (G-39). Only measures of the asked purpose appear, and
only the records behind them (G-34)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

import orjson

from credo.catalog.catalogue import Catalogue
from credo.catalog.lists import (
    ADVERSE_MEASURES,
    BENEFIT_MEASURES,
    MeasureDef,
    related,
)
from credo.catalog.models import LegalBasis
from credo.catalog.parties import Purpose
from credo.lists.evaluate import Entry, SubjectFacts, TriggerRecord
from credo.records.eligibility import eligible_from

Outcome = Literal["clear", "restricted", "benefit", "review"]

RIGHTS: dict[str, str] = {
    "free_copy": "You may see every record, list entry and inquiry about you, free of charge, "
    "in the subject portal or on request within one month.",
    "dispute": "You may dispute any record or file a 'not me' claim; a disputed record has no "
    "effect until the dispute is decided.",
    "repair": "Where the record type allows it, you may apply for credit repair once its "
    "conditions are met.",
    "who_decides": "The registry reports catalogued measures; the relying party makes its own "
    "decision and must let a person review any adverse one.",
    "contact": "Credo registry help desk, registry@credo.example",
}


def basis(legal: LegalBasis) -> dict[str, str]:
    return {"instrument": legal.instrument, "article": legal.article, "text": legal.text}


@dataclass(frozen=True, slots=True)
class PurposePlan:
    """The measures one purpose may see, with their static provenance prepared once."""

    purpose: Purpose
    measures: tuple[MeasureDef, ...]
    static: dict[str, dict[str, Any]]
    # the measures whose decision waits for a person (G-37, credo.checks.review); read from
    # the catalogue here, once: an empty set costs a check nothing
    significant: frozenset[str] = frozenset()


def plan_purposes(catalogue: Catalogue) -> dict[str, PurposePlan]:
    plans: dict[str, PurposePlan] = {}
    for purpose in catalogue.purposes.values():
        measures = tuple(
            m
            for m in catalogue.measures.values()
            if purpose.id in m.purposes and _authorised(catalogue, m)
        )
        static = {m.id: _measure_static(catalogue, m) for m in measures}
        plans[purpose.id] = PurposePlan(purpose, measures, static, _significant(purpose, measures))
    return plans


def _significant(purpose: Purpose, measures: Sequence[MeasureDef]) -> frozenset[str]:
    """The adverse measures marked significant, or all of them for a significant purpose."""
    return frozenset(
        m.id
        for m in measures
        if m.kind in ADVERSE_MEASURES and (m.significant or purpose.significant)
    )


def _authorised(catalogue: Catalogue, measure: MeasureDef) -> bool:
    """The run-time half of G-10: every trigger is related, or authorised by name and the
    profile allows cross-domain measures. The loader refuses the rest; this never trusts it."""
    for list_id in measure.triggered_by:
        list_def = catalogue.lists.get(list_id)
        if list_def is None:
            return False
        if related(measure.domain, list_def.domain):
            continue
        crossing = measure.cross_domain
        if catalogue.profile.cross_domain_measures == "forbidden" or crossing is None:
            return False
        if list_id not in crossing.names_lists:
            return False
    return True


def _measure_static(catalogue: Catalogue, measure: MeasureDef) -> dict[str, Any]:
    body: dict[str, Any] = {
        "measure": measure.id,
        "version": measure.version,
        "name": measure.name.en,
        "kind": measure.kind,
        "domain": measure.domain.value,
        "effect": measure.effect.en,
        "legal_basis": basis(measure.legal_basis),
    }
    if measure.cross_domain is not None:
        body["cross_domain_basis"] = measure.cross_domain.model_dump()
    return body


@dataclass(frozen=True, slots=True)
class AppliedMeasure:
    measure: MeasureDef
    entry: Entry
    applies_until: date


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    outcome: Outcome
    purpose: str
    relying_party: str
    subject_key: str
    subject_id: int | None
    measures: tuple[AppliedMeasure, ...]
    reasons: tuple[str, ...]
    as_of: datetime  # when the decision was made
    valid_until: datetime
    rights: dict[str, str] = field(default_factory=lambda: RIGHTS)
    about: date | None = None  # the past date a check asked about (``as_of`` in the request)


def applied_measures(
    plan: PurposePlan, subject: SubjectFacts, entries: Sequence[Entry], on: date
) -> list[AppliedMeasure]:
    """Each measure of the purpose triggered by an effective entry of the subject, never
    beyond the measure's maximum duration or the entry's end (G-11, G-16, G-44)."""
    applied = []
    for measure in plan.measures:
        if subject.kind not in measure.subject_kinds:
            continue
        for entry in entries:
            if entry.list_id not in measure.triggered_by or entry.status_on(on) != "effective":
                continue
            assert measure.max_duration is not None  # the loader refuses measures without one
            until = min(entry.ends_on, measure.max_duration.add_to(entry.term_anchor))
            if on < until:
                applied.append(AppliedMeasure(measure, entry, until))
    return applied


def outcome_of(measures: Sequence[AppliedMeasure]) -> Outcome:
    kinds = {m.measure.kind for m in measures}
    if kinds & {"deny", "restrict"}:
        return "restricted"
    if kinds & (ADVERSE_MEASURES - {"deny", "restrict"}):
        return "review"
    if kinds & BENEFIT_MEASURES:
        return "benefit"
    return "clear"


def valid_until(catalogue: Catalogue, now: datetime) -> datetime:
    return now + timedelta(hours=catalogue.profile.decision_validity_hours)


def measures_json(
    catalogue: Catalogue,
    plan: PurposePlan,
    measures: Sequence[AppliedMeasure],
    statements: Mapping[str, Sequence[str]] | None = None,
    data_quality: Mapping[str, Mapping[str, Any]] | None = None,
) -> orjson.Fragment:
    """The applied measures with their provenance, the subject's statements on the records
    (G-32) and the data-quality flag of records whose furnisher is held for review (G-49,
    by furnisher id), serialised once (checks reuse it)."""
    said, flags = statements or {}, data_quality or {}
    return orjson.Fragment(
        orjson.dumps([_measure_body(catalogue, plan, m, said, flags) for m in measures])
    )


def decision_body(
    catalogue: Catalogue,
    plan: PurposePlan,
    decision: Decision,
    measures: orjson.Fragment | None = None,
) -> dict[str, Any]:
    """The decision as JSON: provenance for every measure (G-35), rights, validity (G-39).
    ``as_of`` is what the decision is about: the moment it was made, or the past date asked
    about (then ``checked_at`` is the moment it was made)."""
    body = {
        "id": decision.id,
        "outcome": decision.outcome,
        "subject": decision.subject_key,
        "purpose": {"id": plan.purpose.id, "legal_basis": basis(plan.purpose.legal_basis)},
        "relying_party": decision.relying_party,
        "measures": measures or measures_json(catalogue, plan, decision.measures),
        "reasons": list(decision.reasons),
        "counterfactual": _counterfactual(decision),
        "rights": decision.rights,
        "as_of": decision.as_of.isoformat(),
        "valid_until": decision.valid_until.isoformat(),
        "catalogue": {"registry": catalogue.registry.jurisdiction, "profile": catalogue.profile.id},
    }
    if decision.about is not None:
        body["as_of"] = decision.about.isoformat()
        body["checked_at"] = decision.as_of.isoformat()
    return body


def _measure_body(
    catalogue: Catalogue,
    plan: PurposePlan,
    applied: AppliedMeasure,
    statements: Mapping[str, Sequence[str]],
    flags: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    entry = applied.entry
    list_def = catalogue.lists[entry.list_id]
    return {
        **plan.static[applied.measure.id],
        "applies_until": applied.applies_until.isoformat(),
        "rule": {
            "list": list_def.id,
            "list_version": list_def.version,
            "list_name": list_def.name.en,
            "entry_rule": list_def.entry.model_dump(exclude_defaults=True),
            "legal_basis": basis(list_def.legal_basis),
        },
        "list_entry": {
            "id": entry.id,
            "effective_on": entry.effective_on.isoformat(),
            "ends_on": entry.ends_on.isoformat(),
            "ends_because": entry.end_reason,
        },
        "records": [_record_body(catalogue, r, statements, flags) for r in entry.records],
        "rating": _rating_body(entry),
    }


def _rating_body(entry: Entry) -> dict[str, Any] | None:
    """For a rating-band list: the rating, the band and since when it has held."""
    if entry.rating is None:
        return None
    return {
        "rating": entry.rating.rating_key,
        "band": entry.rating.band,
        "since": entry.rating.since.isoformat(),
    }


def _record_body(
    catalogue: Catalogue,
    record: TriggerRecord,
    statements: Mapping[str, Sequence[str]],
    flags: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    record_type = catalogue.record_types[record.record_type]
    repair_from = None
    if record_type.repairable.allowed:  # the day the repair desk accepts an application
        repair_from = eligible_from(record_type, record.starts_on).isoformat()
    return {
        "record_id": record.record_id,
        "record_type": record.record_type,
        "legal_basis": basis(record_type.legal_basis),
        "issued_by": record.furnisher_id,
        "decided_on": record.occurred_on.isoformat(),
        "in_effect_until": record.ends_on.isoformat(),
        "repair_possible_from": repair_from,
        "subject_statements": list(statements.get(record.chain_id, ())),
        "data_quality": flags.get(record.furnisher_id),  # G-49: None unless held
    }


def _counterfactual(decision: Decision) -> str | None:
    """G-36: what would change the outcome."""
    if not decision.measures:
        return None
    first = min(decision.measures, key=lambda m: m.applies_until)
    if decision.about is not None:
        return (
            f"Without an effective entry on {first.entry.list_id!r} on "
            f"{decision.about.isoformat()} the measure {first.measure.id!r} would not have "
            f"applied that day; it applied until {first.applies_until.isoformat()} at the latest."
        )
    return (
        f"Without an effective entry on {first.entry.list_id!r} the measure "
        f"{first.measure.id!r} would not apply; it lapses by itself on "
        f"{first.applies_until.isoformat()} at the latest."
    )
