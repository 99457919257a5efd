"""Policy simulation: what a proposed catalogue would do to the registry's records, side by
side with the live catalogue, changing nothing.

Each side is evaluated by the code that produces the outcome once the catalogue is live:
ratings by ``credo.ratings.service.batch_results`` (what ``credo rescore`` writes), list
entries by ``credo.lists.evaluate.derive_entries`` over the same trigger records the lists
read, with each rating-band list fed the simulated band, and relying-party decisions by
``credo.checks.decide`` (``plan_purposes``, ``applied_measures``, ``outcome_of``). So a
simulated catalogue and the same catalogue activated give the same bands, entries and
decisions (tests/governance/test_simulate_then_activate.py).

Counts about subjects leave only as aggregates with small cells suppressed
(``credo.statistics.aggregate``, G-50); subject ids appear only under ``operator_only``.
The JSON document's shape is described in docs/governance.md."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from credo.audit.service import head
from credo.catalog.catalogue import Catalogue
from credo.catalog.ratings import RatingDef
from credo.catalog.vocab import Polarity
from credo.checks.decide import applied_measures, outcome_of, plan_purposes
from credo.errors import ValidationFailed
from credo.governance.fingerprint import content_hash, rule_hash, rules_of
from credo.governance.groups import DIMENSIONS, subject_groups
from credo.governance.groups import population as groups_population
from credo.lists import queries as lists_queries
from credo.lists import service as lists_service
from credo.lists.evaluate import (
    Entry,
    RatingFact,
    SubjectFacts,
    TriggerRecord,
    derive_entries,
    list_record_types,
    rating_entry_id,
)
from credo.ratings.service import batch_results, check_engine, source_for
from credo.records.effect import EffectRule
from credo.records.queries import feed_head, standing_records
from credo.statistics import DEFAULT_MIN_CELL, aggregate

FORMAT = "credo.simulation/1"
ADVERSE_OUTCOMES = frozenset({"restricted", "review"})
NONE = "(none)"  # not rated, not listed: the other side of a transition
SAMPLE = 10  # subject ids per changed rule for the operator
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    as_of: date
    engine_name: str = "polars"
    min_cell: int = DEFAULT_MIN_CELL
    # A group is flagged when its adverse-rate change is above ``floor`` (absolute) and more
    # than ``factor`` times the change over everyone.
    floor: float = 0.01
    factor: float = 2.0
    spark: Any = None


@dataclass
class Outcome:
    """What one catalogue says about every subject on one day."""

    bands: dict[str, dict[int, str]] = field(default_factory=dict)  # rating id -> subject -> band
    listed: dict[str, set[int]] = field(default_factory=dict)  # list id -> entries held that day
    measures: dict[str, set[int]] = field(default_factory=dict)  # measure id -> applied to
    # "party/purpose" -> subject -> the decision's outcome, where it is not "clear"
    decisions: dict[str, dict[int, str]] = field(default_factory=dict)


@dataclass
class Evaluator:
    """Evaluates catalogues on one registry, sharing what two catalogues have in common: a
    rating with the same definition and inputs is run once, records are read once."""

    engine: Engine
    engine_name: str = "polars"
    spark: Any = None
    progress: Progress | None = None
    _ratings: dict[tuple[str, Any, date], dict[int, str]] = field(default_factory=dict)
    _triggers: dict[tuple[Any, ...], dict[int, list[TriggerRecord]]] = field(default_factory=dict)
    _facts: dict[int, SubjectFacts] = field(default_factory=dict)
    _starts: dict[tuple[str, ...], dict[str, date]] = field(default_factory=dict)
    # the extracted rating inputs by record types: one registry state, read once
    _extracts: dict[tuple[str, ...], Any] = field(default_factory=dict)

    def outcome(self, catalogue: Catalogue, on: date) -> Outcome:
        bands = {r.id: self._bands(catalogue, r, on) for r in catalogue.ratings.values()}
        entries, facts = self._entries(catalogue, on, bands)
        result = Outcome(bands=bands)
        _decide(catalogue, on, entries, facts, result)
        return result

    def _bands(self, catalogue: Catalogue, rating: RatingDef, on: date) -> dict[int, str]:
        key = (rule_hash(rating), source_for(catalogue), on)
        if key not in self._ratings:
            if self.progress:
                self.progress(f"rating {rating.key} on {on.isoformat()}")
            results = batch_results(
                self.engine, catalogue, rating, self.engine_name, on, self.spark, self._extracts
            )
            self._ratings[key] = {r.subject_id: r.band for r in results}
        return self._ratings[key]

    def _entries(
        self, catalogue: Catalogue, on: date, bands: Mapping[str, dict[int, str]]
    ) -> tuple[dict[int, list[Entry]], dict[int, SubjectFacts]]:
        records = self._trigger_records(catalogue)
        ratings = self._rating_facts(catalogue, on, bands)
        facts = self._subject_facts(set(records) | set(ratings))
        entries = {
            s: derive_entries(catalogue, facts[s], records.get(s, []), ratings.get(s))
            for s in sorted(set(records) | set(ratings))
            if s in facts
        }
        return entries, facts

    def _trigger_records(self, catalogue: Catalogue) -> dict[int, list[TriggerRecord]]:
        types = tuple(sorted(list_record_types(catalogue)))
        rule = EffectRule.of(catalogue)
        key = (types, rule)
        if key not in self._triggers:
            if self.progress:
                self.progress("list trigger records")
            with self.engine.connect() as conn:
                self._triggers[key] = standing_records(conn, None, list(types), rule)
        return self._triggers[key]

    def _rating_facts(
        self, catalogue: Catalogue, on: date, bands: Mapping[str, dict[int, str]]
    ) -> dict[int, dict[str, RatingFact]]:
        """The band each subject would hold of every rating a list reads, since the start of
        the stored open entry that band already holds (as ``lists.service.entries_for``
        reads the live state), else since ``on``."""
        lists_by_rating: dict[str, list[str]] = {}
        for list_def in catalogue.lists.values():
            rule = list_def.entry.rating_band
            if rule is not None and rule.rating in catalogue.ratings:
                lists_by_rating.setdefault(rule.rating, []).append(list_def.id)
        starts = self._open_starts(
            tuple(sorted(i for ids in lists_by_rating.values() for i in ids))
        )
        out: dict[int, dict[str, RatingFact]] = {}
        for rating_id, list_ids in lists_by_rating.items():
            key = catalogue.ratings[rating_id].key
            for subject_id, band in bands[rating_id].items():
                ids = [rating_entry_id(list_id, key, band) for list_id in list_ids]
                held = [starts[i] for i in ids if i in starts and starts[i] <= on]
                fact = RatingFact(rating_id, key, band, min(held, default=on))
                out.setdefault(subject_id, {})[rating_id] = fact
        return out

    def _open_starts(self, list_ids: tuple[str, ...]) -> dict[str, date]:
        if list_ids not in self._starts:
            with self.engine.connect() as conn:
                self._starts[list_ids] = lists_queries.open_entry_starts_of_lists(conn, list_ids)
        return self._starts[list_ids]

    def _subject_facts(self, subject_ids: set[int]) -> dict[int, SubjectFacts]:
        missing = sorted(subject_ids - set(self._facts))
        if missing:
            with self.engine.connect() as conn:
                self._facts.update(lists_service.subject_facts(conn, missing))
        return self._facts


def _decide(
    catalogue: Catalogue,
    on: date,
    entries: Mapping[int, list[Entry]],
    facts: Mapping[int, SubjectFacts],
    result: Outcome,
) -> None:
    """List entries held (notified or in effect), applied measures and each relying party's
    decision for each of its purposes, by the check service's own rules
    (``credo.checks.decide``)."""
    plans = plan_purposes(catalogue)
    asks = [
        (f"{party.id}/{purpose}", purpose)
        for party in catalogue.relying_parties.values()
        for purpose in party.purposes
        if purpose in plans
    ]
    result.listed = {list_id: set() for list_id in catalogue.lists}
    result.measures = {measure_id: set() for measure_id in catalogue.measures}
    result.decisions = {ask: {} for ask, _ in asks}
    for subject_id, found in entries.items():
        if not found:
            continue
        for entry in found:  # notified (in its objection window) or in effect
            if entry.status_on(on) in ("notified", "effective"):
                result.listed[entry.list_id].add(subject_id)
        outcomes: dict[str, str] = {}
        for purpose, plan in plans.items():
            applied = applied_measures(plan, facts[subject_id], found, on)
            outcomes[purpose] = outcome_of(applied)
            for measure in applied:
                result.measures[measure.measure.id].add(subject_id)
        for ask, purpose in asks:
            if outcomes[purpose] != "clear":
                result.decisions[ask][subject_id] = outcomes[purpose]


# -- the comparison -------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One rule whose definition or outcome differs: the subjects it moves, and how."""

    section: str  # ratings | lists | measures | decisions
    id: str
    definition: str  # added | removed | changed | unchanged
    pairs: dict[int, tuple[str, str]]  # subject -> (live, proposed), only where they differ
    totals: tuple[int, int]  # subjects with a band / entry / adverse decision: live, proposed
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)  # every transition


def _definition(live: Any, proposed: Any) -> str:
    if live is None:
        return "added"
    if proposed is None:
        return "removed"
    return "unchanged" if rule_hash(live) == rule_hash(proposed) else "changed"


def rating_changes(live: Catalogue, proposed: Catalogue, a: Outcome, b: Outcome) -> list[Change]:
    out = []
    for rating_id in sorted(set(live.ratings) | set(proposed.ratings)):
        before, after = a.bands.get(rating_id, {}), b.bands.get(rating_id, {})
        counts = Counter(
            (before.get(s, NONE), after.get(s, NONE)) for s in set(before) | set(after)
        )
        pairs = {
            s: (before.get(s, NONE), after.get(s, NONE))
            for s in set(before) | set(after)
            if before.get(s) != after.get(s)
        }
        definition = _definition(live.ratings.get(rating_id), proposed.ratings.get(rating_id))
        if pairs or definition != "unchanged":
            totals = (len(before), len(after))
            out.append(Change("ratings", rating_id, definition, pairs, totals, counts))
    return out


def set_changes(
    section: str,
    live_rules: Mapping[str, Any],
    proposed_rules: Mapping[str, Any],
    a: Mapping[str, set[int]],
    b: Mapping[str, set[int]],
) -> list[Change]:
    """Lists (entries held: notified or in effect) or measures (applied): who would start and
    who would end."""
    out = []
    for rule_id in sorted(set(live_rules) | set(proposed_rules)):
        before, after = a.get(rule_id, set()), b.get(rule_id, set())
        pairs = {s: ("no", "yes") for s in after - before}
        pairs.update({s: ("yes", "no") for s in before - after})
        definition = _definition(live_rules.get(rule_id), proposed_rules.get(rule_id))
        if pairs or definition != "unchanged":
            out.append(Change(section, rule_id, definition, pairs, (len(before), len(after))))
    return out


def decision_changes(a: Outcome, b: Outcome) -> list[Change]:
    out = []
    for ask in sorted(set(a.decisions) | set(b.decisions)):
        before, after = a.decisions.get(ask, {}), b.decisions.get(ask, {})
        pairs = {
            s: (before.get(s, "clear"), after.get(s, "clear"))
            for s in set(before) | set(after)
            if before.get(s, "clear") != after.get(s, "clear")
        }
        definition = (
            "unchanged"
            if ask in a.decisions and ask in b.decisions
            else ("added" if ask in b.decisions else "removed")
        )
        adverse = (
            sum(o in ADVERSE_OUTCOMES for o in before.values()),
            sum(o in ADVERSE_OUTCOMES for o in after.values()),
        )
        if pairs or definition != "unchanged":
            out.append(
                Change("decisions", ask, definition, pairs, adverse, Counter(pairs.values()))
            )
    return out


# -- adverse rates by group -----------------------------------------------------------------


def adverse_sets(catalogue: Catalogue, outcome: Outcome) -> dict[str, set[int]]:
    """metric -> subjects with that adverse outcome: an adverse decision (a deny, restrict or
    other adverse measure) for any purpose and for each relying party's purpose, an effective
    entry on a negative list, and each rating's worst band."""
    out = {
        "adverse_decision": {
            s
            for found in outcome.decisions.values()
            for s, o in found.items()
            if o in ADVERSE_OUTCOMES
        },
        "negative_list": {
            s
            for list_id, subjects in outcome.listed.items()
            if catalogue.lists[list_id].polarity is Polarity.NEGATIVE
            for s in subjects
        },
    }
    for ask, found in outcome.decisions.items():
        out[f"adverse_decision:{ask}"] = {s for s, o in found.items() if o in ADVERSE_OUTCOMES}
    for rating in catalogue.ratings.values():
        if rating.bands is not None:
            worst = rating.bands.labels[-1]
            out[f"worst_band:{rating.id}"] = {
                s for s, band in outcome.bands.get(rating.id, {}).items() if band == worst
            }
    return out


def _rate(count: int, total: int) -> float:
    return count / total if total else 0.0


def adverse_rates(
    live: dict[str, set[int]],
    proposed: dict[str, set[int]],
    groups: Mapping[int, Mapping[str, list[str]]],
    population: Mapping[str, Mapping[str, int]],
    everyone: int,
    options: Options,
) -> list[dict[str, Any]]:
    """For every metric that changes: the rate over everyone, live and proposed, and the
    groups whose change is disproportionate (above the floor and more than ``factor`` times
    the overall change). Rates are given only when both counts are 0 or at least the minimum
    cell; otherwise only the direction of the change (G-50)."""
    out = []
    for metric in sorted(set(live) | set(proposed)):
        before, after = live.get(metric, set()), proposed.get(metric, set())
        if before == after:
            continue
        overall = _rate(len(after), everyone) - _rate(len(before), everyone)
        flags = []
        for dimension in DIMENSIONS:
            n_before = _group_counts(before, groups, dimension)
            n_after = _group_counts(after, groups, dimension)
            for group, size in sorted(population.get(dimension, {}).items()):
                if size < options.min_cell:
                    continue
                b, c = n_before.get(group, 0), n_after.get(group, 0)
                change = _rate(c, size) - _rate(b, size)
                if abs(change) < options.floor or abs(change) <= options.factor * abs(overall):
                    continue
                flag: dict[str, Any] = {"dimension": dimension, "group": group, "subjects": size}
                flag.update(_rates(b, c, size, options.min_cell))
                flags.append(flag)
        overall_rates: dict[str, Any] = {"subjects": one_count(everyone, options.min_cell)}
        overall_rates.update(_rates(len(before), len(after), everyone, options.min_cell))
        out.append({"metric": metric, "overall": overall_rates, "flags": flags})
    return out


def _rates(before: int, after: int, size: int, minimum: int) -> dict[str, Any]:
    """Live and proposed rates and their change, or only the direction when a count is below
    the minimum cell (a rate times a known group size would give the count away, G-50)."""
    change = _rate(after, size) - _rate(before, size)
    if all(n == 0 or n >= minimum for n in (before, after)):
        return {
            "live": round(_rate(before, size), 4),
            "proposed": round(_rate(after, size), 4),
            "change": round(change, 4),
        }
    return {
        "rates": f"withheld: a count below {minimum}",
        "direction": "up" if change > 0 else "down",
    }


def _group_counts(
    subjects: Iterable[int], groups: Mapping[int, Mapping[str, list[str]]], dimension: str
) -> Counter[str]:
    counts: Counter[str] = Counter()
    for s in subjects:
        counts.update(groups.get(s, {}).get(dimension, ()))
    return counts


# -- the document ---------------------------------------------------------------------------


def shown(counts: Mapping[Any, int], minimum: int) -> list[tuple[Any, int | str]]:
    """(key, count or "<minimum") for every cell, suppressed as G-50 requires."""
    return [
        (cell.key, cell.count if cell.count is not None else cell.shown)
        for cell in aggregate(dict(counts), minimum).cells
    ]


def one_count(count: int, minimum: int) -> int | str:
    return count if count == 0 or count >= minimum else f"<{minimum}"


def _breakdown(
    subjects: Iterable[int], groups: Mapping[int, Mapping[str, list[str]]], minimum: int
) -> dict[str, list[dict[str, Any]]]:
    chosen = list(subjects)
    out = {}
    for dimension in DIMENSIONS:
        counts = _group_counts(chosen, groups, dimension)
        ordered = dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
        out[dimension] = [{"group": g, "subjects": n} for g, n in shown(ordered, minimum)]
    return out


def _moves(change: Change, minimum: int) -> list[dict[str, Any]]:
    """How many subjects went from each value to each other (small cells suppressed)."""
    cells = dict(sorted(change.counts.items()))
    return [{"from": k[0], "to": k[1], "subjects": n} for k, n in shown(cells, minimum)]


def _sides(change: Change, minimum: int) -> dict[str, Any]:
    """The subjects concerned under the live catalogue and under the proposed one."""
    return {
        "live": one_count(change.totals[0], minimum),
        "proposed": one_count(change.totals[1], minimum),
    }


def _change_body(
    change: Change, groups: Mapping[int, Mapping[str, list[str]]], minimum: int
) -> dict[str, Any]:
    body: dict[str, Any] = {"id": change.id, "definition": change.definition}
    if change.section == "ratings":
        body["transitions"] = _moves(change, minimum)
        body["subjects"] = {
            **_sides(change, minimum),
            "moved": one_count(len(change.pairs), minimum),
        }
        body["by"] = _breakdown(change.pairs, groups, minimum)
    elif change.section in ("lists", "measures"):
        starts = [s for s, (_, b) in change.pairs.items() if b == "yes"]
        ends = [s for s, (_, b) in change.pairs.items() if b == "no"]
        body["subjects"] = {
            **_sides(change, minimum),
            "start": one_count(len(starts), minimum),
            "end": one_count(len(ends), minimum),
        }
        body["by"] = {
            "start": _breakdown(starts, groups, minimum),
            "end": _breakdown(ends, groups, minimum),
        }
    else:
        party, _, purpose = change.id.partition("/")
        body.update(relying_party=party, purpose=purpose)
        body["flips"] = _moves(change, minimum)
        body["adverse"] = _sides(change, minimum)
        body["by"] = _breakdown(change.pairs, groups, minimum)
    return body


def _groups_of(engine: Engine, subject_ids: set[int]) -> dict[int, dict[str, list[str]]]:
    groups: dict[int, dict[str, list[str]]] = {}
    with engine.connect() as conn:
        for subject_id, dimension, group in subject_groups(conn, sorted(subject_ids)):
            found = groups.setdefault(subject_id, {}).setdefault(dimension, [])
            if group not in found:  # a furnisher comes once per record type it sent
                found.append(group)
    return groups


@dataclass(frozen=True)
class Comparison:
    changes: list[Change]
    live_adverse: dict[str, set[int]]
    proposed_adverse: dict[str, set[int]]


def compare(live: Catalogue, proposed: Catalogue, a: Outcome, b: Outcome) -> Comparison:
    changes = [
        *rating_changes(live, proposed, a, b),
        *set_changes("lists", live.lists, proposed.lists, a.listed, b.listed),
        *set_changes("measures", live.measures, proposed.measures, a.measures, b.measures),
        *decision_changes(a, b),
    ]
    return Comparison(changes, adverse_sets(live, a), adverse_sets(proposed, b))


def simulate(
    engine: Engine,
    live: Catalogue,
    proposed: Catalogue,
    options: Options,
    *,
    now: datetime,
    backtest: tuple[date, date] | None = None,
    paths: tuple[str, str] = ("", ""),
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The simulation document (docs/governance.md): the proposed catalogue against the live
    one on ``options.as_of``, and with ``backtest`` on the first of each month in the range."""
    check_engine(options.engine_name)
    with engine.connect() as conn:
        (audit_seq, audit_hash), feed_seq = head(conn), feed_head(conn)
        population, everyone = groups_population(conn)
    evaluator = Evaluator(engine, options.engine_name, options.spark, progress)
    a = evaluator.outcome(live, options.as_of)
    b = evaluator.outcome(proposed, options.as_of)
    comparison = compare(live, proposed, a, b)
    involved = {s for c in comparison.changes for s in c.pairs}
    involved |= {
        s
        for found in (comparison.live_adverse, comparison.proposed_adverse)
        for subjects in found.values()
        for s in subjects
    }
    groups = _groups_of(engine, involved)
    minimum = options.min_cell
    sections: dict[str, list[dict[str, Any]]] = {
        "ratings": [],
        "lists": [],
        "measures": [],
        "decisions": [],
    }
    for change in comparison.changes:
        sections[change.section].append(_change_body(change, groups, minimum))
    rates = adverse_rates(
        comparison.live_adverse, comparison.proposed_adverse, groups, population, everyone, options
    )
    document: dict[str, Any] = {
        "format": FORMAT,
        "as_of": options.as_of.isoformat(),
        "engine": options.engine_name,
        "generated_at": now.isoformat(),
        "min_cell": minimum,
        "catalogue": {
            "live": {"hash": content_hash(live), "path": paths[0]},
            "proposed": {"hash": content_hash(proposed), "path": paths[1]},
            "rules": _rule_changes(live, proposed),
        },
        "registry": {
            "audit_seq": audit_seq,
            "audit_hash": audit_hash,
            "feed_seq": feed_seq,
            "subjects_with_records": one_count(everyone, minimum),
        },
        **sections,
        "adverse_rates": rates,
        "backtest": None,
        "operator_only": {
            "note": "Subject ids: for the operator role only; never in the shared HTML report.",
            "samples": {
                f"{c.section}:{c.id}": sorted(c.pairs)[:SAMPLE]
                for c in comparison.changes
                if c.pairs
            },
        },
    }
    if backtest is not None:
        document["backtest"] = run_backtest(evaluator, live, proposed, backtest, minimum)
    document["summary"] = summary_of(document, comparison)
    return document


def _rule_changes(live: Catalogue, proposed: Catalogue) -> dict[str, dict[str, list[str]]]:
    before, after = rules_of(live), rules_of(proposed)
    out: dict[str, dict[str, list[str]]] = {}
    for section in before:
        old, new = before[section], after[section]
        found = {
            "added": sorted(set(new) - set(old)),
            "removed": sorted(set(old) - set(new)),
            "changed": sorted(k for k in set(old) & set(new) if old[k]["hash"] != new[k]["hash"]),
        }
        if any(found.values()):
            out[section] = found
    return out


def summary_of(document: dict[str, Any], comparison: Comparison) -> dict[str, Any]:
    """The headline counts, suppressed; this is what the public catalogue page publishes."""
    minimum = int(document["min_cell"])

    def moved(section: str) -> int:
        return len({s for c in comparison.changes if c.section == section for s in c.pairs})

    starts = sum(
        1
        for c in comparison.changes
        if c.section == "lists"
        for _, b in c.pairs.values()
        if b == "yes"
    )
    ends = sum(
        1
        for c in comparison.changes
        if c.section == "lists"
        for _, b in c.pairs.values()
        if b == "no"
    )
    flips = sum(len(c.pairs) for c in comparison.changes if c.section == "decisions")
    flags = sum(len(r["flags"]) for r in document["adverse_rates"])
    return {
        "as_of": document["as_of"],
        "rules_changed": {
            section: sum(len(v) for v in found.values())
            for section, found in document["catalogue"]["rules"].items()
        },
        "subjects_whose_band_moves": one_count(moved("ratings"), minimum),
        "list_entries_starting": one_count(starts, minimum),
        "list_entries_ending": one_count(ends, minimum),
        "subjects_whose_measures_change": one_count(moved("measures"), minimum),
        "decisions_flipping": one_count(flips, minimum),
        "disproportionate_groups": flags,
    }


def summary_text(summary: Mapping[str, Any]) -> str:
    """One published sentence (English) for the catalogue page's version history."""
    return (
        f"Simulated on the registry as of {summary['as_of']}: "
        f"{summary['subjects_whose_band_moves']} subjects' bands move, "
        f"{summary['list_entries_starting']} list entries start and "
        f"{summary['list_entries_ending']} end, "
        f"{summary['decisions_flipping']} relying-party decisions flip; "
        f"{summary['disproportionate_groups']} groups flagged as disproportionately affected."
    )


# -- backtest -------------------------------------------------------------------------------


def months(start: date, stop: date) -> list[date]:
    """The first of each month from ``start`` (or the month after it) to ``stop``."""
    if stop < start:
        raise ValidationFailed(f"--from {start} is after --to {stop}")
    first = start if start.day == 1 else _next_month(start)
    out = []
    while first <= stop:
        out.append(first)
        first = _next_month(first)
    if not out:
        raise ValidationFailed(f"no first of a month between {start} and {stop}")
    if len(out) > 120:
        raise ValidationFailed(f"{len(out)} months between {start} and {stop}: at most 120")
    return out


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def run_backtest(
    evaluator: Evaluator,
    live: Catalogue,
    proposed: Catalogue,
    span: tuple[date, date],
    minimum: int,
) -> list[dict[str, Any]]:
    """Per month: subjects per band, effective entries per list and adverse decisions per
    relying party and purpose, live and proposed (today's knowledge of the records)."""
    out = []
    for on in months(*span):
        a, b = evaluator.outcome(live, on), evaluator.outcome(proposed, on)
        out.append(
            {"as_of": on.isoformat(), "live": _tally(a, minimum), "proposed": _tally(b, minimum)}
        )
    return out


def _tally(outcome: Outcome, minimum: int) -> dict[str, Any]:
    return {
        "bands": {
            rating_id: dict(shown(dict(sorted(Counter(bands.values()).items())), minimum))
            for rating_id, bands in sorted(outcome.bands.items())
        },
        # independent counts (not parts of one total): each suppressed on its own
        "entries": {k: one_count(len(v), minimum) for k, v in sorted(outcome.listed.items())},
        "adverse_decisions": {
            ask: one_count(sum(o in ADVERSE_OUTCOMES for o in found.values()), minimum)
            for ask, found in sorted(outcome.decisions.items())
        },
    }
