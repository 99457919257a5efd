"""Explanations of a rating result: reason codes (what moved the band away from the best, in
order of effect; for a pending or not-rated result, why), the records looked at (in effect or
not, and why not), and a counterfactual (the smallest change to one feature read from the
records, to a value on its grid, that moves the subject to the next better band).

``band_of`` re-derives points, total, band and reason from feature values (and the evidence of
the records) by ``credo.ratings.banding``'s tree, evaluated in Python; the SQL result stays the
authority, and a test checks that both agree on every result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from credo.catalog.ratings import (
    NOT_RATED,
    PENDING,
    TOTAL,
    Banding,
    Bin,
    Feature,
    FeatureOp,
    Grid,
    RatingDef,
)
from credo.ratings import banding
from credo.ratings.arithmetic import computed_py, leaves, round_py
from credo.records.effect import EffectRule

MAX_REASONS = 4
_DATES = ("occurred_on", "effective_from", "effect_until", "expires_on")


@dataclass(frozen=True)
class Evidence:
    """What banding reads from the records besides the features: whether any input record is
    in effect on the date, and the features whose assessments have all passed their validity."""

    any_live: bool = True
    stale: frozenset[str] = field(default_factory=frozenset)

    def columns(self) -> dict[str, int]:
        found = {banding.ANY_LIVE: int(self.any_live)}
        found.update({banding.stale_column(f): 1 for f in self.stale})
        return found


@dataclass(frozen=True)
class Outcome:
    points: list[float | None]
    total: float | None
    band: str
    reason: str | None = None
    codes: list[int] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)  # computed ones re-derived


def band_of(
    rating: RatingDef,
    features: Mapping[str, Any],
    evidence: Evidence | None = None,
    assessment_types: Sequence[str] = (),
) -> Outcome:
    """Points, total, band and reason from feature values, by the same tree as the compiled
    SQL and the Polars engine; computed features are re-derived from the features they read
    (credo.ratings.arithmetic), whatever ``features`` says of them."""
    plan = banding.plan(rating, assessment_types)
    values = with_computed(rating, features)
    row: dict[str, Any] = {f"f_{name}": value for name, value in values.items()}
    stale = {banding.stale_column(f): 0 for f in plan.stale_features}
    row.update({**stale, **(evidence or Evidence()).columns()})
    decision = banding.decide(plan, row, lambda points: _total(rating, points))
    return Outcome(
        decision.points, decision.total, decision.band, decision.reason, decision.codes, values
    )


def with_computed(rating: RatingDef, features: Mapping[str, Any]) -> dict[str, Any]:
    """The features read from records as given, and the computed ones derived from them."""
    values = {f.id: features.get(f.id) for f in rating.read_features}
    for feature in rating.computed_features:
        values[feature.id] = computed_py(rating, feature, values)
    return {f.id: values[f.id] for f in rating.features}


def _total(rating: RatingDef, points: list[float | None]) -> float | None:
    """The score's total: base plus points, clamped, rounded (missing if any points are)."""
    if rating.score is None or any(p is None for p in points):
        return None
    total = rating.score.base + sum(p or 0.0 for p in points)
    if rating.score.min is not None:
        total = max(total, rating.score.min)
    if rating.score.max is not None:
        total = min(total, rating.score.max)
    return round_py(total)


# -- the records looked at --------------------------------------------------------------------


def looked_at(
    rating: RatingDef,
    rows: Sequence[Mapping[str, Any]],
    on: date,
    rule: EffectRule,
    suppressions: Mapping[str, str] | None = None,
) -> tuple[list[dict[str, Any]], Evidence]:
    """Every input record of the subject (``compiler.compile_inputs`` rows), in effect on
    ``on`` or not and why not (``EffectRule.why_not``), with the features it matches; and the
    evidence banding reads. ``suppressions``: chain id -> the reason of its open suppression."""
    listed: list[dict[str, Any]] = []
    any_live = False
    stale: set[str] = set()
    for raw in rows:
        row = _record_row(raw, suppressions or {})
        why = rule.why_not(row, on)
        matched = [f.id for f in rating.features if int(raw.get(f"m_{f.id}") or 0)]
        any_live = any_live or why is None
        if banding.ended(rule, row, on):
            stale.update(matched)
        listed.append(
            {
                "record_id": row["record_id"],
                "record_type": row["record_type"],
                "occurred_on": row["occurred_on"].isoformat(),
                "effective_from": row["effective_from"].isoformat(),
                "effect_until": row["effect_until"].isoformat(),
                "in_effect": why is None,
                "why_not": why,
                "features": matched if why is None else [],
            }
        )
    return listed, Evidence(any_live, frozenset(stale))


def _record_row(raw: Mapping[str, Any], suppressions: Mapping[str, str]) -> dict[str, Any]:
    """A row as ``EffectRule.why_not`` reads it: dates as dates (SQLite returns text), the
    suppression as its reason."""
    row = dict(raw)
    for name in _DATES:
        value = row[name]
        if not isinstance(value, date):
            row[name] = date.fromisoformat(str(value)[:10])
    if row.get("suppressed") and not isinstance(row["suppressed"], str):
        row["suppressed"] = suppressions.get(str(row["chain_id"]), True)
    else:
        row["suppressed"] = bool(row.get("suppressed"))
    return row


# -- reasons --------------------------------------------------------------------------------


def reasons(
    rating: RatingDef,
    features: Mapping[str, Any],
    band: str,
    reason: str | None = None,
) -> list[dict[str, Any]]:
    """What moved the result, in order of effect, up to four; never a list of everything.

    A pending or not-rated result: its reason code. The best band: nothing. Otherwise, for each
    banding rule that set the band (a rule that gave a better one moved nothing), in rule
    order: over the total, the points tables that cost points; over a computed feature, the
    features it reads that raised (or lowered) it; over a feature, that feature. Within a rule,
    largest effect first, and only as many as it takes: the ones without which that rule would
    give the best band. Never "score too low"."""
    if band in (PENDING, NOT_RATED):
        if reason is None:
            return []
        feature = reason.partition(":")[2] or None
        entry = {
            "code": reason,
            "feature": feature,
            "value": features.get(feature) if feature else None,
            "points": None,
            "text": banding.reason_text(reason),
        }
        return [entry]
    assert rating.bands is not None
    if band == rating.bands.labels[0]:
        return []
    plan = banding.plan(rating)
    outcome = band_of(rating, features)
    final = banding.outcome_code(rating, band)
    found: list[dict[str, Any]] = []
    for atom, code in zip(plan.atoms, outcome.codes, strict=True):
        if atom.rule is None or code != final:  # a rule that gave a better band moved nothing
            continue
        moved = _moved(rating, atom, outcome)
        found += [m for m in moved if (m["code"], m["feature"]) not in _seen(found)]
    return found[:MAX_REASONS]


def _seen(found: list[dict[str, Any]]) -> set[tuple[str, str | None]]:
    return {(f["code"], f["feature"]) for f in found}


def _moved(rating: RatingDef, atom: banding.Atom, outcome: Outcome) -> list[dict[str, Any]]:
    """The reasons of one banding rule that gave a band worse than the best."""
    assert rating.bands is not None and atom.rule is not None
    rule = rating.bands.rules[atom.rule]
    values = outcome.features
    row: dict[str, Any] = {f"f_{name}": value for name, value in values.items()}
    row[TOTAL] = outcome.total

    def code_with(column: str, value: Any) -> int:
        found = int(banding.evaluate(atom.code, {**row, column: value}))
        return 0 if value is None else found  # everything left out: nothing moved it

    if rule.over == TOTAL and rating.score is not None:
        costs = []
        for table, points in zip(rating.score.tables, outcome.points, strict=True):
            best = max(b.points or 0.0 for b in table.bins)
            if points is not None and points < best:
                entry = _reason(table.reason, table.feature, values, points)
                costs.append((best - points, entry, best - points))

        def total_without(chosen: list[Any]) -> int:
            restored = [*outcome.points, *(gain for _, _, gain in chosen)]
            return code_with(TOTAL, _total(rating, restored))

        return [entry for _, entry, _ in _fewest(costs, total_without)]
    if rule.reason is None:
        return []
    over = rating.feature(rule.over)
    if over.compute is None:
        return [_reason(rule.reason, rule.over, values, None)]
    terms = []
    for leaf, weight in _weights(rating, over):
        effect = weight * float(values.get(leaf) or 0.0)
        if effect != 0 and _worsens(rule, effect):
            terms.append((abs(effect), _reason(rule.reason, leaf, values, None), leaf))

    def computed_without(chosen: list[Any]) -> int:
        absent = frozenset(leaf for _, _, leaf in chosen)
        return code_with(f"f_{over.id}", computed_py(rating, over, values, absent))

    picked = _fewest(terms, computed_without)
    return [{**entry, "through": over.id} for _, entry, _ in picked]


def _fewest(terms: list[Any], code_without: Any) -> list[Any]:
    """``terms`` (effect first), largest effect first, as many as it takes for the rule to
    give the best band without them (all of them if it never does)."""
    chosen: list[Any] = []
    for term in sorted(terms, key=lambda t: -t[0]):
        chosen.append(term)
        if code_without(chosen) == 0:
            break
    return chosen


def _weights(rating: RatingDef, feature: Feature) -> list[tuple[str, float]]:
    """Each feature read from records under a computed feature, with how the computed value
    moves as it grows (the product of the coefficients on the way down)."""
    assert feature.compute is not None
    found: dict[str, float] = {}
    for name, weight in feature.compute.terms():
        other = rating.feature(name)
        below = _weights(rating, other) if other.computed else [(name, 1.0)]
        for leaf, inner in below:
            found[leaf] = found.get(leaf, 0.0) + weight * inner
    return list(found.items())


def _worsens(rule: Banding, effect: float) -> bool:
    """Whether a term that moves the value by ``effect`` moves it towards worse bands."""
    if rule.monotonic == "decreasing":
        return effect > 0
    if rule.monotonic == "increasing":
        return effect < 0
    return True


def _reason(
    reason: Any, feature: str, features: Mapping[str, Any], points: float | None
) -> dict[str, Any]:
    return {
        "code": reason.code,
        "feature": feature,
        "value": features.get(feature),
        "points": points,
        "text": reason.text.model_dump(),
    }


# -- counterfactual -------------------------------------------------------------------------


def counterfactual(
    rating: RatingDef,
    features: dict[str, Any],
    band: str,
    grids: Mapping[str, Grid] | None = None,
) -> dict[str, Any] | None:
    """The smallest change to one feature read from the records that gives the next better
    band, to a value on the feature's grid (``grids``: ``catalog.ratings.feature_grids``):
    "hygiene 10 or lower would give 3", never 14.99. Computed features follow the change."""
    assert rating.bands is not None
    labels = rating.bands.labels
    if band not in labels or labels.index(band) == 0:
        return None
    target = labels.index(band) - 1
    best: tuple[float, dict[str, Any]] | None = None
    for feature in rating.read_features:
        value = features.get(feature.id)
        if feature.kind != "number" or value is None:
            continue
        grid = (grids or {}).get(feature.id)
        if grid is None and feature.op == FeatureOp.COUNT and feature.half_life is None:
            grid = Grid(step=1.0, low=0.0)  # a count is a whole number
        for candidate in _candidates(rating, feature, float(value), grid):
            changed = {**features, feature.id: candidate}
            outcome = band_of(rating, changed)
            if outcome.band in labels and labels.index(outcome.band) <= target:
                distance = abs(candidate - float(value))
                if best is None or distance < best[0]:
                    best = (distance, _describe(rating, feature, float(value), candidate, outcome))
    return best[1] if best else None


def _candidates(
    rating: RatingDef, feature: Feature, value: float, grid: Grid | None
) -> list[float]:
    """The values to try: a bounded grid's every value (a feature under a computed one has no
    bin edges of its own); else the values just inside each bin edge of the feature's points
    tables and bandings, on the grid where there is one (0.01 off the edge where there is
    none)."""
    lower = feature.lower_bound
    if grid is not None and (grid.values is not None or _feeds_computed(rating, feature)):
        found = set(grid.points(value))
    else:
        edges: set[float] = set()
        for bins in _bins_over(rating, feature.id):
            edges.update(b.to for b in bins if b.to is not None)
        found = set()
        for edge in edges:
            if grid is None:
                found.update((edge, edge - 0.01))
                continue
            below = [p for p in grid.points(edge, span=2) if p < edge]
            above = [p for p in grid.points(edge, span=2) if p >= edge]
            found.update(([max(below)] if below else []) + ([min(above)] if above else []))
    rounded = {round_py(c) or 0.0 for c in found}
    return sorted(c for c in rounded if c != value and (lower is None or c >= lower))


def _feeds_computed(rating: RatingDef, feature: Feature) -> bool:
    return any(feature.id in leaves(rating, f) for f in rating.computed_features)


def _bins_over(rating: RatingDef, feature_id: str) -> list[list[Bin]]:
    found: list[list[Bin]] = []
    if rating.score is not None:
        found += [t.bins for t in rating.score.tables if t.feature == feature_id]
    assert rating.bands is not None
    for rule in rating.bands.rules:
        if rule.over == feature_id:
            found += [bins for _, bins in rule.bin_lists()]
    return found


def _describe(
    rating: RatingDef, feature: Feature, value: float, target: float, outcome: Outcome
) -> dict[str, Any]:
    text = _counterfactual_text(rating, feature.id)
    lower = target < value
    return {
        "feature": feature.id,
        "from": value,
        "to": target,
        "change": round_py(target - value),
        "direction": "at_most" if lower else "at_least",
        "band": outcome.band,
        "statement": {
            "en": f"{feature.id} of {target:g} or {'lower' if lower else 'higher'} "
            f"would give {outcome.band}",
            "zh": f"{feature.id} 为 {target:g} 或{'更低' if lower else '更高'}时"
            f"评级为 {outcome.band}",
        },
        "text": text,
    }


def _counterfactual_text(rating: RatingDef, feature_id: str) -> dict[str, str] | None:
    tables = rating.score.tables if rating.score else []
    reasons_ = [t.reason for t in tables if t.feature == feature_id]
    assert rating.bands is not None
    reasons_ += [r.reason for r in rating.bands.rules if r.over == feature_id and r.reason]
    for name in [f.id for f in rating.computed_features if feature_id in leaves(rating, f)]:
        reasons_ += [r.reason for r in rating.bands.rules if r.over == name and r.reason]
    for reason in reasons_:
        if reason.counterfactual is not None:
            return reason.counterfactual.model_dump()
    return None
