"""Explanations of a rating result: reason codes (the features that cost the most points, or
the banding that capped the band), and a counterfactual (the smallest change to one feature
that moves the subject to the next better band).

``band_of`` re-derives points, total and band from feature values with the catalogue's bins;
the SQL result stays the authority, and a test checks that both agree on every result.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credo.catalog.ratings import (
    NOT_RATED,
    PENDING,
    TOTAL,
    Banding,
    Bin,
    Feature,
    FeatureOp,
    RatingDef,
    Reason,
)

MAX_REASONS = 4


@dataclass(frozen=True)
class Outcome:
    points: list[float | None]
    total: float | None
    band: str


def band_of(rating: RatingDef, features: dict[str, Any]) -> Outcome:
    """Points, total and band from feature values, by the same bins as the compiled SQL."""
    points, total = _points_and_total(rating, features)
    codes = [_missing_code(rating, features)]
    assert rating.bands is not None
    for rule in rating.bands.rules:
        codes.append(_rule_code(rating, rule, features, total))
    return Outcome(points, total, _label(rating, max(codes)))


def _points_and_total(
    rating: RatingDef, features: dict[str, Any]
) -> tuple[list[float | None], float | None]:
    if rating.score is None:
        return [], None
    points: list[float | None] = []
    for table in rating.score.tables:
        value = features.get(table.feature)
        points.append(None if value is None else _bin_for(table.bins, value).points or 0.0)
    if any(p is None for p in points):
        return points, None
    total = rating.score.base + sum(p or 0.0 for p in points)
    if rating.score.min is not None:
        total = max(total, rating.score.min)
    if rating.score.max is not None:
        total = min(total, rating.score.max)
    return points, round(total, 6)


def _missing_code(rating: RatingDef, features: dict[str, Any]) -> int:
    code = -1
    for feature in rating.features:
        if features.get(feature.id) is None and feature.missing in (NOT_RATED, PENDING):
            code = max(code, _outcome_code(rating, str(feature.missing)))
    return code


def _rule_code(
    rating: RatingDef, rule: Banding, features: dict[str, Any], total: float | None
) -> int:
    if rule.when is not None and features.get(rule.when.feature) != rule.when.equals:
        return -1
    value = total if rule.over == TOTAL else features.get(rule.over)
    bins = rule.bins
    if rule.by is not None:
        category = features.get(rule.by)
        if category is None:
            return -1
        bins = (rule.cases or {}).get(str(category))
        if bins is None:
            return _outcome_code(rating, rule.otherwise or NOT_RATED)
    if value is None or bins is None:
        return -1
    return _outcome_code(rating, _bin_for(bins, value).band or NOT_RATED)


def _outcome_code(rating: RatingDef, outcome: str) -> int:
    if outcome == PENDING:
        return 1000
    if outcome == NOT_RATED:
        return 2000
    return rating.band_rank(outcome)


def _label(rating: RatingDef, code: int) -> str:
    assert rating.bands is not None
    if 0 <= code < len(rating.bands.labels):
        return rating.bands.labels[code]
    return PENDING if code == 1000 else NOT_RATED


def _bin_for(bins: list[Bin], value: float) -> Bin:
    for item in bins[:-1]:
        if item.to is not None and value < item.to:
            return item
    return bins[-1]


# -- reasons --------------------------------------------------------------------------------


def reasons(rating: RatingDef, features: dict[str, Any], band: str) -> list[dict[str, Any]]:
    """Up to four reasons, most costly first: points tables that deducted points, then the
    bandings that capped the band. Never "score too low"."""
    found: list[tuple[float, Reason, str]] = []
    if rating.score is not None:
        for table in rating.score.tables:
            value = features.get(table.feature)
            cost = None if value is None else _bin_for(table.bins, value).points
            best = max(b.points or 0.0 for b in table.bins)
            if cost is not None and cost < best:
                found.append((cost - best, table.reason, table.feature))
    assert rating.bands is not None
    final = _outcome_code(rating, band)
    _, total = _points_and_total(rating, features)
    for rule in rating.bands.rules:
        if rule.reason is not None and rule.over != TOTAL:
            code = _rule_code(rating, rule, features, total)
            if code == final and code > 0:
                found.append((-1e9, rule.reason, rule.over))
    found.sort(key=lambda item: item[0])
    return [
        {
            "code": reason.code,
            "feature": feature,
            "value": features.get(feature),
            "points": None if cost == -1e9 else cost,
            "text": reason.text.model_dump(),
        }
        for cost, reason, feature in found[:MAX_REASONS]
    ]


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
    return sorted({round(c, 6) for c in candidates if c != value and (lower is None or c >= lower)})


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
        "change": round(target - value, 6),
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
