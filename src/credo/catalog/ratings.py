"""Catalogue models of ratings (owned by the ratings engine; see credo.ratings).

A rating is declarative: features from a closed set of operators over the subject's effective
records, computed features (typed arithmetic over other features: sum, difference, min, max,
weighted sum, clamp), points tables (bins of a feature to points), and bandings (bins of a
feature or of the total to a band). There are no formula strings. Everything that can be
checked statically is checked at load, and an invalid rating stops the catalogue from loading
(fail closed): bins cover their domain with no gap or overlap, declared monotonicity holds,
every feature that can be missing says what a missing value means, a computed feature reads
numeric features of its rating and never itself, inputs come only from the rating's own
domain (G-13), and no feature or condition reads a proxy for a protected characteristic (G-14).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

from pydantic import ConfigDict, Field, FiniteFloat, model_validator

from credo.catalog.models import Duration, Slug, Strict, Text
from credo.catalog.vocab import Domain, SubjectKind, proxy_field_reason

if TYPE_CHECKING:
    from credo.catalog.models import PayloadField, RecordType

PENDING = "pending"
NOT_RATED = "not_rated"
SPECIAL_OUTCOMES = (PENDING, NOT_RATED)
TOTAL = "total"


class FeatureOp(StrEnum):
    COUNT = "count"
    SUM = "sum"
    MIN = "min"
    MAX = "max"
    LATEST = "latest"


# A value a condition compares with: a boolean (``true``), a number or a text; booleans come
# first so that YAML's ``true`` stays a boolean instead of becoming 1.0.
Literal_ = bool | FiniteFloat | str


class Condition(Strict):
    """A filter on one payload field: exactly one of ``equals``, ``in``, ``not_in``, ``gte``,
    ``lt``. The values must suit the field's catalogue type (checked at load)."""

    # its own name in the OpenAPI document: credo.catalog.lists has a Condition too
    model_config = ConfigDict(title="RatingCondition")
    field: Slug = Field(description="The payload field tested")
    equals: Literal_ | None = Field(default=None, description="The field equals this value")
    in_: list[Literal_] | None = Field(default=None, alias="in")
    not_in: list[Literal_] | None = Field(
        default=None, description="The field is none of these values"
    )
    gte: FiniteFloat | None = Field(default=None, description="The field is at least this number")
    lt: FiniteFloat | None = Field(default=None, description="The field is below this number")

    def values(self) -> list[bool | float | str]:
        """The values of ``equals``, ``in`` or ``not_in`` (empty for ``gte``/``lt``)."""
        if self.equals is not None:
            return [self.equals]
        return list(self.in_ or self.not_in or [])

    @model_validator(mode="after")
    def _exactly_one_test(self) -> Condition:
        tests = [self.equals, self.in_, self.not_in, self.gte, self.lt]
        if sum(t is not None for t in tests) != 1:
            raise ValueError("a condition needs exactly one of equals, in, not_in, gte, lt")
        return self


class Weighted(Strict):
    feature: Slug
    weight: FiniteFloat


class Clamp(Strict):
    """``feature`` bounded to [min, max] (either bound may be left out, not both)."""

    feature: Slug
    min: FiniteFloat | None = None
    max: FiniteFloat | None = None

    @model_validator(mode="after")
    def _bounded(self) -> Clamp:
        if self.min is None and self.max is None:
            raise ValueError("clamp needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"clamp min {self.min:g} is above max {self.max:g}")
        return self


class ComputeOp(StrEnum):
    SUM = "sum"
    DIFFERENCE = "difference"
    MIN = "min"
    MAX = "max"
    WEIGHTED_SUM = "weighted_sum"
    CLAMP = "clamp"


class Compute(Strict):
    """Arithmetic over other numeric features of the rating: exactly one operator of a closed
    set. ``sum``, ``min``, ``max``: two or more features; ``difference``: [a, b] is a - b;
    ``weighted_sum``: a list of {feature, weight}; ``clamp``: {feature, min, max}. A computed
    value is missing when any feature it reads is missing, and is rounded by the one rule of
    ``credo.ratings.arithmetic``."""

    sum: list[Slug] | None = Field(default=None, min_length=2)
    difference: list[Slug] | None = Field(default=None, min_length=2, max_length=2)
    min: list[Slug] | None = Field(default=None, min_length=2)
    max: list[Slug] | None = Field(default=None, min_length=2)
    weighted_sum: list[Weighted] | None = Field(default=None, min_length=1)
    clamp: Clamp | None = None

    @model_validator(mode="after")
    def _exactly_one_operator(self) -> Compute:
        given = [op for op in ComputeOp if getattr(self, op.value) is not None]
        if len(given) != 1:
            names = ", ".join(op.value for op in ComputeOp)
            raise ValueError(f"compute needs exactly one of {names}")
        return self

    @property
    def op(self) -> ComputeOp:
        return next(op for op in ComputeOp if getattr(self, op.value) is not None)

    def terms(self) -> list[tuple[str, float]]:
        """The features read, each with its coefficient: how the value moves as that feature
        grows (min, max and clamp move with each operand: +1; difference's second: -1)."""
        if self.weighted_sum is not None:
            return [(w.feature, float(w.weight)) for w in self.weighted_sum]
        if self.clamp is not None:
            return [(self.clamp.feature, 1.0)]
        if self.difference is not None:
            return [(self.difference[0], 1.0), (self.difference[1], -1.0)]
        names = self.sum or self.min or self.max or []
        return [(name, 1.0) for name in names]


class Feature(Strict):
    """One number (or category) per subject: read from its effective records as of a date
    (``op`` over ``record_types``), or computed from other features (``compute``)."""

    id: Slug = Field(description="The feature's name, used by points tables and bandings")
    op: FeatureOp | None = None
    record_types: list[Slug] = Field(default_factory=list)
    field: Slug | None = Field(default=None, description="Payload field (not for count)")
    kind: Literal["number", "category"] = "number"
    where: list[Condition] = Field(
        default_factory=list, description="Only records whose payload meets every condition"
    )
    window: Duration | None = Field(default=None, description="Only records this recent")
    half_life: Duration | None = Field(default=None, description="Exponential decay")
    missing: FiniteFloat | Literal["not_rated", "pending"] | None = Field(
        default=None, description="What no matching record means (count: always 0)"
    )
    compute: Compute | None = Field(
        default=None, description="Arithmetic over other features, instead of op"
    )

    @property
    def computed(self) -> bool:
        return self.compute is not None

    @model_validator(mode="after")
    def _coherent(self) -> Feature:
        if self.compute is not None:
            read = [self.op, self.field, self.window, self.half_life, self.missing]
            if any(x is not None for x in read) or self.record_types or self.where:
                raise ValueError(
                    "a computed feature takes id and compute only (no op, record_types, field, "
                    "where, window, half_life or missing: it is missing when a feature it reads is)"
                )
            if self.kind != "number":
                raise ValueError("a computed feature is a number")
            return self
        if self.op is None:
            raise ValueError(
                "a feature needs op (count, sum, min, max, latest) over record_types, or compute"
            )
        if not self.record_types:
            raise ValueError(f"{self.op.value} needs record_types (at least one)")
        if self.op == FeatureOp.COUNT:
            if self.field is not None or self.kind != "number":
                raise ValueError("count takes no field and is a number")
        elif self.field is None:
            raise ValueError(f"{self.op.value} needs a payload field")
        if self.half_life is not None and self.op not in (FeatureOp.COUNT, FeatureOp.SUM):
            raise ValueError("half_life applies to count and sum only")
        if self.kind == "category" and self.op != FeatureOp.LATEST:
            raise ValueError("only latest can read a category")
        if self.op != FeatureOp.COUNT and self.missing is None:
            raise ValueError(
                "missing values need an explicit treatment: a number, 'not_rated' or 'pending'"
            )
        if self.kind == "category" and isinstance(self.missing, float | int):
            raise ValueError(
                f"a category feature cannot take the number {self.missing} for a missing "
                "value: use 'not_rated' or 'pending'"
            )
        return self

    @property
    def lower_bound(self) -> float | None:
        """The smallest value the feature can take (counts and decayed counts start at 0)."""
        return 0.0 if self.op == FeatureOp.COUNT else None


@dataclass(frozen=True)
class Grid:
    """The values a numeric feature can take: ``values`` (an enumeration), or ``start`` plus
    whole multiples of ``step`` within [low, high] (either bound may be open). Explanations
    state counterfactuals on it ("a hygiene score of 10 or lower"), never as 14.99."""

    values: tuple[float, ...] | None = None
    step: float | None = None
    start: float = 0.0
    low: float | None = None
    high: float | None = None

    def points(self, near: float, span: int = 200) -> list[float]:
        """The grid's values (for an open grid, the ``span`` nearest steps either side)."""
        if self.values is not None:
            return list(self.values)
        assert self.step is not None
        middle = round((near - self.start) / self.step)
        first, last = middle - span, middle + span
        if self.low is not None:
            first = max(first, math.ceil((self.low - self.start) / self.step - 1e-9))
        if self.high is not None:
            last = min(last, math.floor((self.high - self.start) / self.step + 1e-9))
        return [self.start + k * self.step for k in range(first, last + 1)]


def payload_grid(spec: PayloadField) -> Grid | None:
    """The grid a payload field declares (``grid`` or ``step``); integers step by 1."""
    if spec.type not in NUMERIC_TYPES:
        return None
    if spec.grid is not None:
        return Grid(values=tuple(sorted(set(spec.grid))))
    step = spec.step or (1.0 if spec.type == "integer" else None)
    if step is None:
        return None
    start = spec.minimum if spec.minimum is not None else 0.0
    return Grid(step=step, start=start, low=spec.minimum, high=spec.maximum)


def feature_grids(record_types: Mapping[str, RecordType], rating: RatingDef) -> dict[str, Grid]:
    """The grid of each feature that has one: a count (whole numbers from 0); the latest,
    smallest or largest value of a field with the same grid in every record type read; a
    plain sum of a field whose grid steps from 0 (multiples of the step)."""
    grids: dict[str, Grid] = {}
    for feature in rating.read_features:
        if feature.op == FeatureOp.COUNT:
            if feature.half_life is None:
                grids[feature.id] = Grid(step=1.0, low=0.0)
            continue
        specs = [
            record_types[t].payload.get(feature.field or "")
            for t in feature.record_types
            if t in record_types
        ]
        found = {payload_grid(spec) if spec else None for spec in specs}
        if len(found) != 1 or None in found:
            continue
        grid = found.pop()
        assert grid is not None
        if feature.op in (FeatureOp.LATEST, FeatureOp.MIN, FeatureOp.MAX):
            grids[feature.id] = grid
        elif feature.half_life is None and grid.step and (grid.start / grid.step).is_integer():
            grids[feature.id] = Grid(step=grid.step)  # sums of multiples of a step
    return grids


class Bin(Strict):
    """A half-open interval [from, to) of a value; an absent bound is unbounded."""

    from_: FiniteFloat | None = Field(default=None, alias="from")
    to: FiniteFloat | None = Field(
        default=None, description="The bin's upper bound (excluded); none: unbounded"
    )
    points: FiniteFloat | None = Field(
        default=None, description="Points for a value in the bin (points tables)"
    )
    band: str | None = Field(default=None, description="The band of a value in the bin (bandings)")


Monotonic = Literal["increasing", "decreasing", "none"]


class Reason(Strict):
    code: str = Field(
        pattern=r"^[A-Z][A-Z0-9_]*$",
        max_length=40,
        description="The reason's code, shown with the outcome",
    )
    text: Text = Field(description="What the reason means, for the subject")
    counterfactual: Text | None = Field(
        default=None, description="What would improve the outcome, in plain words"
    )


class PointsTable(Strict):
    feature: Slug = Field(description="The numeric feature binned")
    monotonic: Monotonic = Field(description="How points move as the feature grows")
    bins: list[Bin] = Field(
        min_length=1, description="Bins of the feature to points, covering every value"
    )
    reason: Reason = Field(description="The reason given when the table costs points")


class Score(Strict):
    base: FiniteFloat = Field(default=0, description="The score before any table")
    min: FiniteFloat | None = Field(default=None, description="The lowest the total may go")
    max: FiniteFloat | None = Field(default=None, description="The highest the total may go")
    tables: list[PointsTable] = Field(min_length=1, description="Points tables added to the base")


class Guard(Strict):
    """A banding applies only while a category feature has this value."""

    feature: Slug = Field(description="A category feature")
    equals: str = Field(description="The value it must have")


class Banding(Strict):
    """Bins of a feature (or the total) to bands; with ``by``, one bin list per value of a
    category feature, and ``otherwise`` for any other value; with ``when``, only while a
    category feature has a given value."""

    over: Slug = Field(description="A numeric feature, or total for the score")
    when: Guard | None = Field(
        default=None, description="Applies only while a category feature has a value"
    )
    monotonic: Monotonic = Field(description="How the band moves as the value grows")
    bins: list[Bin] | None = Field(
        default=None, description="Bins of the value to bands, covering every value"
    )
    by: Slug | None = Field(
        default=None, description="A category feature choosing the bins (with cases)"
    )
    cases: dict[str, list[Bin]] | None = Field(
        default=None, description="One bin list per value of the by feature"
    )
    otherwise: Literal["not_rated", "pending"] | None = Field(
        default=None, description="The outcome for any other value of the by feature"
    )
    reason: Reason | None = Field(default=None, description="Given when this rule caps the band")

    @model_validator(mode="after")
    def _shape(self) -> Banding:
        if self.by is None:
            if not self.bins or self.cases is not None:
                raise ValueError("a banding without 'by' needs 'bins' and no 'cases'")
        elif not self.cases or self.bins is not None or self.otherwise is None:
            raise ValueError("a banding with 'by' needs 'cases' and 'otherwise', not 'bins'")
        return self

    def bin_lists(self) -> list[tuple[str, list[Bin]]]:
        if self.bins is not None:
            return [("bins", self.bins)]
        return [(f"cases[{name}]", bins) for name, bins in (self.cases or {}).items()]


class Bands(Strict):
    labels: list[str] = Field(min_length=1, description="Best first")
    rules: list[Banding] = Field(min_length=1, description="The result is the worst of these")


class RatingDef(Strict):
    id: Slug = Field(description="The rating's code")
    version: int = Field(
        default=1, description="Raised on every change; results keep the version they came from"
    )
    name: Text = Field(description="The rating's name")
    purpose: str = Field(min_length=10, description="What the rating is for, in plain words")
    domain: Domain = Field(description="The one life area the rating speaks about")
    subject_kinds: list[SubjectKind] = Field(min_length=1, description="Who is rated")
    inputs: list[Slug] = Field(
        min_length=1, description="The record types it reads, all of its own domain"
    )
    public: bool = Field(default=False, description="Results are shown on the public register")
    features: list[Feature] = Field(
        default_factory=list, description="Numbers or categories per subject from its records"
    )
    score: Score | None = Field(default=None, description="Optional: a total from points tables")
    bands: Bands | None = Field(
        default=None, description="The outcome: the worst band of the rules"
    )

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def feature(self, feature_id: str) -> Feature:
        return next(f for f in self.features if f.id == feature_id)

    @property
    def read_features(self) -> list[Feature]:
        """The features read from records (the compiled query aggregates these)."""
        return [f for f in self.features if f.compute is None]

    @property
    def computed_features(self) -> list[Feature]:
        return [f for f in self.features if f.compute is not None]

    def band_rank(self, label: str) -> int:
        return self.bands.labels.index(label) if self.bands else 0


def rating_messages(
    record_types: Mapping[str, RecordType], rating: RatingDef
) -> list[tuple[str, str]]:
    """(key under the rating, problem) for every cross-entry check a rating fails: G-13 (inputs
    only from the rating's own domain), field references, bin coverage, monotonicity and
    missing-value treatment."""
    messages = _input_messages(record_types, rating)
    if not rating.features or rating.bands is None:
        messages.append(("features", "a rating needs features and bands"))
        return messages
    messages += _feature_messages(record_types, rating)
    messages += _score_messages(rating)
    messages += _band_messages(rating)
    return messages


def _input_messages(
    record_types: Mapping[str, RecordType], rating: RatingDef
) -> list[tuple[str, str]]:
    messages: list[tuple[str, str]] = []
    for type_id in rating.inputs:
        record_type = record_types.get(type_id)
        if record_type is None:
            messages.append(("inputs", f"unknown record type {type_id!r}"))
        elif record_type.domain != rating.domain:
            messages.append(
                (
                    "inputs",
                    f"record type {type_id!r} is in domain {record_type.domain.value!r}, "
                    f"not the rating's domain {rating.domain.value!r}: "
                    "no general-purpose score (G-13)",
                )
            )
    return messages


def _feature_messages(
    record_types: Mapping[str, RecordType], rating: RatingDef
) -> list[tuple[str, str]]:
    messages: list[tuple[str, str]] = []
    ids = [f.id for f in rating.features]
    if TOTAL in ids or len(set(ids)) != len(ids):
        messages.append(("features", "feature ids must be unique and not 'total'"))
    for feature in rating.features:
        key = f"features[{feature.id}]"
        for type_id in feature.record_types:
            if type_id not in rating.inputs:
                messages.append((key, f"record type {type_id!r} is not among the inputs"))
                continue
            record_type = record_types.get(type_id)
            if record_type is None:
                continue
            messages += [(key, m) for m in _field_messages(record_type, feature)]
    messages += [("features", m) for m in _type_clashes(record_types, rating)]
    messages += _compute_messages(rating)
    return messages


def _compute_messages(rating: RatingDef) -> list[tuple[str, str]]:
    """A computed feature reads numeric features of the same rating and never itself."""
    by_id = {f.id: f for f in rating.features}
    messages: list[tuple[str, str]] = []
    for feature in rating.computed_features:
        assert feature.compute is not None
        key, op = f"features[{feature.id}].compute", feature.compute.op.value
        for name, _ in feature.compute.terms():
            other = by_id.get(name)
            if other is None:
                messages.append(
                    (key, f"{op} names {name!r}, which is not a feature of this rating")
                )
            elif other.kind != "number":
                messages.append((key, f"{op} names {name!r}, a category: arithmetic reads numbers"))
        cycle = _cycle_from(feature.id, by_id, [feature.id])
        if cycle:
            messages.append((key, f"{feature.id!r} depends on itself: {' -> '.join(cycle)}"))
    return messages


def _cycle_from(start: str, by_id: dict[str, Feature], path: list[str]) -> list[str] | None:
    feature = by_id.get(path[-1])
    if feature is None or feature.compute is None:
        return None
    for name, _ in feature.compute.terms():
        if name == start:
            return [*path, name]
        if name not in path:
            found = _cycle_from(start, by_id, [*path, name])
            if found:
                return found
    return None


NUMERIC_TYPES = ("integer", "number")


def _field_messages(record_type: RecordType, feature: Feature) -> list[str]:
    """The feature's field and its conditions against ``record_type``'s payload types: a
    test every engine can run the same way, or a message saying why not."""
    type_id = record_type.id
    messages: list[str] = []
    for name in [feature.field, *(c.field for c in feature.where)]:
        spec = record_type.payload.get(name) if name else None
        proxy = proxy_field_reason(name, spec.category if spec else None) if name else None
        if proxy:
            messages.append(f"{type_id}.{name}: {proxy}")
    if feature.field:
        spec = record_type.payload.get(feature.field)
        if spec is None:
            messages.append(f"{type_id!r} has no payload field {feature.field!r}")
        elif feature.kind == "number" and spec.type not in NUMERIC_TYPES:
            messages.append(f"{type_id}.{feature.field} is not a number")
        elif feature.kind == "category" and spec.type in NUMERIC_TYPES:
            messages.append(
                f"{type_id}.{feature.field} is a {spec.type}: a category reads an enum, string, "
                "boolean or date field (bin numbers with a number feature instead)"
            )
    for condition in feature.where:
        spec = record_type.payload.get(condition.field)
        if spec is None:
            messages.append(f"{type_id!r} has no payload field {condition.field!r}")
            continue
        problem = _condition_problem(condition, spec)
        if problem:
            messages.append(f"where {condition.field}: {problem} ({type_id}.{condition.field})")
    return messages


def _condition_problem(condition: Condition, spec: PayloadField) -> str | None:
    """Why ``condition`` does not suit a field of type ``spec.type`` (None when it does)."""
    if condition.gte is not None or condition.lt is not None:
        if spec.type not in NUMERIC_TYPES:
            return f"gte and lt need a number field, not a {spec.type}"
        return None
    values = condition.values()
    kinds = {_value_kind(v) for v in values}
    expected = {"integer": "number", "number": "number", "boolean": "boolean"}.get(
        spec.type, "text"
    )
    if kinds != {expected}:
        shown = ", ".join(repr(v) for v in values)
        return f"{shown} cannot be compared with a {spec.type} field (it takes {expected} values)"
    if spec.type == "enum" and spec.values is not None:
        unknown = [v for v in values if v not in spec.values]
        if unknown:
            return f"{unknown} are not among the field's values {spec.values}"
    if spec.type == "date" and not all(_is_iso_date(str(v)) for v in values):
        return "a date field compares with dates written YYYY-MM-DD"
    return None


def _value_kind(value: bool | float | str) -> str:
    if isinstance(value, bool):
        return "boolean"
    return "number" if isinstance(value, int | float) else "text"


def _is_iso_date(text: str) -> bool:
    from datetime import date

    try:
        return date.fromisoformat(text).isoformat() == text
    except ValueError:
        return False


def _type_clashes(record_types: Mapping[str, RecordType], rating: RatingDef) -> list[str]:
    """A field the rating reads has one type across its input record types: the compiled
    query reads each field once, with its type."""
    messages = []
    names = [n for f in rating.features for n in [c.field for c in f.where] + [f.field or ""]]
    for name in dict.fromkeys(n for n in names if n):
        types = {
            spec.type
            for type_id in rating.inputs
            if (record_type := record_types.get(type_id)) is not None
            and (spec := record_type.payload.get(name)) is not None
        }
        if len(types) > 1:
            messages.append(f"field {name!r} has different types in its record types: {types}")
    return messages


def _score_messages(rating: RatingDef) -> list[tuple[str, str]]:
    if rating.score is None:
        return []
    messages: list[tuple[str, str]] = []
    score = rating.score
    if score.min is not None and score.max is not None and score.min > score.max:
        messages.append(("score", "min is above max"))
    for index, table in enumerate(score.tables):
        key = f"score.tables[{index}]"
        feature = _numeric_feature(rating, table.feature)
        if feature is None:
            messages.append((key, f"{table.feature!r} is not a numeric feature"))
            continue
        if any(b.points is None or b.band is not None for b in table.bins):
            messages.append((key, "every points bin needs 'points' and no 'band'"))
            continue
        messages += [(key, m) for m in bin_gaps(table.bins, feature.lower_bound)]
        values = [b.points or 0.0 for b in table.bins]
        messages += [(key, m) for m in _monotonic_breaks(values, table.monotonic, "points")]
    return messages


def _band_messages(rating: RatingDef) -> list[tuple[str, str]]:
    assert rating.bands is not None
    messages: list[tuple[str, str]] = []
    labels = rating.bands.labels
    if len(set(labels)) != len(labels) or set(labels) & set(SPECIAL_OUTCOMES):
        messages.append(("bands.labels", "labels must be unique and not pending/not_rated"))
    for index, rule in enumerate(rating.bands.rules):
        key = f"bands.rules[{index}]"
        lower = _banding_lower_bound(rating, rule, messages, key)
        for where, bins in rule.bin_lists():
            unknown = [b.band for b in bins if b.band not in (*labels, *SPECIAL_OUTCOMES)]
            if unknown or any(b.points is not None for b in bins):
                messages.append((f"{key}.{where}", f"unknown bands {unknown} or stray points"))
                continue
            messages += [(f"{key}.{where}", m) for m in bin_gaps(bins, lower)]
            ranks = [_outcome_rank(labels, b.band or "") for b in bins]
            breaks = _monotonic_breaks([-r for r in ranks], rule.monotonic, "bands")
            messages += [(f"{key}.{where}", m) for m in breaks]
    return messages


def _banding_lower_bound(
    rating: RatingDef, rule: Banding, messages: list[tuple[str, str]], key: str
) -> float | None:
    for name in (rule.by, rule.when.feature if rule.when else None):
        if name is None:
            continue
        category = next((f for f in rating.features if f.id == name), None)
        if category is None or category.kind != "category":
            messages.append((key, f"'by' and 'when' need a category feature, not {name!r}"))
    if rule.over == TOTAL:
        if rating.score is None:
            messages.append((key, "banding over the total needs a score"))
        return rating.score.min if rating.score else None
    feature = _numeric_feature(rating, rule.over)
    if feature is None:
        messages.append((key, f"{rule.over!r} is neither 'total' nor a numeric feature"))
        return None
    if feature.computed and rule.reason is None:
        messages.append(
            (
                key,
                f"a banding over the computed feature {rule.over!r} needs a reason: it is what "
                "a subject reads, with the features that moved it, when this rule sets the band",
            )
        )
    return feature.lower_bound


def _numeric_feature(rating: RatingDef, feature_id: str) -> Feature | None:
    feature = next((f for f in rating.features if f.id == feature_id), None)
    return feature if feature is not None and feature.kind == "number" else None


def _outcome_rank(labels: list[str], band: str) -> int:
    """Best band 0; pending and not_rated rank after every band."""
    return labels.index(band) if band in labels else len(labels)


def bin_gaps(bins: list[Bin], lower_bound: float | None) -> list[str]:
    """Why ``bins`` do not tile [lower_bound, +inf) exactly (an empty list when they do)."""
    messages: list[str] = []
    first = bins[0].from_
    if first is not None and (lower_bound is None or first > lower_bound):
        messages.append(f"the first bin starts at {first}, leaving lower values uncovered")
    for left, right in pairwise(bins):
        if left.to is None or right.from_ is None or left.to != right.from_:
            messages.append(
                f"bins [{left.from_}, {left.to}) and [{right.from_}, {right.to}) "
                "leave a gap or overlap"
            )
    for item in bins:
        if item.from_ is not None and item.to is not None and item.from_ >= item.to:
            messages.append(f"bin [{item.from_}, {item.to}) is empty")
    if bins[-1].to is not None:
        messages.append(f"the last bin ends at {bins[-1].to}, leaving higher values uncovered")
    return messages


def _monotonic_breaks(values: list[float], monotonic: Monotonic, what: str) -> list[str]:
    """``values`` are "goodness" along increasing bins (points, or minus the band rank)."""
    pairs = list(pairwise(values))
    if monotonic == "increasing" and any(b < a for a, b in pairs):
        return [f"declared increasing, but the {what} fall as the value grows"]
    if monotonic == "decreasing" and any(b > a for a, b in pairs):
        return [f"declared decreasing, but the {what} rise as the value grows"]
    return []
