"""Explanations of a rating result: reason codes (the features that cost the most points, or
the banding that capped the band; for a pending or not-rated result, why), the records looked
at (in effect or not, and why not), and a counterfactual (the smallest change to one feature
that moves the subject to the next better band).

``band_of`` re-derives points, total, band and reason from feature values (and the evidence of
the records) by ``credo.ratings.banding``'s tree, evaluated in Python; the SQL result stays the
authority, and a test checks that both agree on every result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from credo.catalog.ratings import NOT_RATED, PENDING, TOTAL, Bin, Feature, FeatureOp, RatingDef
from credo.ratings import banding
from credo.ratings.arithmetic import round_py
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


def band_of(
    rating: RatingDef,
    features: Mapping[str, Any],
    evidence: Evidence | None = None,
    assessment_types: Sequence[str] = (),
) -> Outcome:
    """Points, total, band and reason from feature values, by the same tree as the compiled
    SQL and the Polars engine."""
    plan = banding.plan(rating, assessment_types)
    row: dict[str, Any] = {f"f_{f.id}": features.get(f.id) for f in rating.features}
    stale = {banding.stale_column(f): 0 for f in plan.stale_features}
    row.update({**stale, **(evidence or Evidence()).columns()})
    decision = banding.decide(plan, row, lambda points: _total(rating, points))
    return Outcome(decision.points, decision.total, decision.band, decision.reason, decision.codes)


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
    """Up to four reasons, most costly first: for a pending or not-rated result its reason
    code first, then points tables that deducted points, then the bandings that capped the
    band. Never "score too low"."""
    found: list[dict[str, Any]] = []
    if band in (PENDING, NOT_RATED) and reason is not None:
        feature = reason.partition(":")[2] or None
        found.append(
            {
                "code": reason,
                "feature": feature,
                "value": features.get(feature) if feature else None,
                "points": None,
                "text": banding.reason_text(reason),
            }
        )
    costs: list[tuple[float, dict[str, Any]]] = []
    plan = banding.plan(rating)
    outcome = band_of(rating, features)
    if rating.score is not None:
        for table, points in zip(rating.score.tables, outcome.points, strict=True):
            best = max(b.points or 0.0 for b in table.bins)
            if points is not None and points < best:
                costs.append(
                    (points - best, _reason(table.reason, table.feature, features, points))
                )
    assert rating.bands is not None
    final = banding.outcome_code(rating, band)
    for atom, code in zip(plan.atoms, outcome.codes, strict=True):
        if atom.rule is None:
            continue
        rule = rating.bands.rules[atom.rule]
        if rule.reason is not None and rule.over != TOTAL and code == final and code > 0:
            costs.append((-1e9, _reason(rule.reason, rule.over, features, None)))
    costs.sort(key=lambda item: item[0])
    found += [entry for _, entry in costs]
    return found[:MAX_REASONS]


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


def counterfactual(rating: RatingDef, features: dict[str, Any], band: str) -> dict[str, Any] | None:
    """The smallest change to one numeric feature that gives the next better band."""
    assert rating.bands is not None
    labels = rating.bands.labels
    if band not in labels or labels.index(band) == 0:
        return None
    target = labels.index(band) - 1
    best: tuple[float, dict[str, Any]] | None = None
    for feature in rating.features:
        value = features.get(feature.id)
        if feature.kind != "number" or value is None:
            continue
        for candidate in _candidates(rating, feature, float(value)):
            changed = {**features, feature.id: candidate}
            outcome = band_of(rating, changed)
            if outcome.band in labels and labels.index(outcome.band) <= target:
                distance = abs(candidate - float(value))
                if best is None or distance < best[0]:
                    best = (distance, _describe(rating, feature, float(value), candidate))
    return best[1] if best else None


def _candidates(rating: RatingDef, feature: Feature, value: float) -> list[float]:
    """Values just inside each bin edge of the feature's points tables and bandings."""
    integral = feature.op == FeatureOp.COUNT and feature.half_life is None
    step = 1.0 if integral else 0.01
    edges: set[float] = set()
    for bins in _bins_over(rating, feature.id):
        edges.update(b.to for b in bins if b.to is not None)
    candidates = []
    for edge in edges:
        candidates += [edge, edge - step]
    lower = feature.lower_bound
    rounded = {round_py(c) or 0.0 for c in candidates}
    return sorted(c for c in rounded if c != value and (lower is None or c >= lower))


def _bins_over(rating: RatingDef, feature_id: str) -> list[list[Bin]]:
    found: list[list[Bin]] = []
    if rating.score is not None:
        found += [t.bins for t in rating.score.tables if t.feature == feature_id]
    assert rating.bands is not None
    for rule in rating.bands.rules:
        if rule.over == feature_id:
            found += [bins for _, bins in rule.bin_lists()]
    return found


def _describe(rating: RatingDef, feature: Feature, value: float, target: float) -> dict[str, Any]:
    text = _counterfactual_text(rating, feature.id)
    return {
        "feature": feature.id,
        "from": value,
        "to": target,
        "change": round_py(target - value),
        "text": text,
    }


def _counterfactual_text(rating: RatingDef, feature_id: str) -> dict[str, str] | None:
    tables = rating.score.tables if rating.score else []
    reasons_ = [t.reason for t in tables if t.feature == feature_id]
    assert rating.bands is not None
    reasons_ += [r.reason for r in rating.bands.rules if r.over == feature_id and r.reason]
    for reason in reasons_:
        if reason.counterfactual is not None:
            return reason.counterfactual.model_dump()
    return None
