"""The embedded batch engine: the same intermediate form (RatingDef) lowered to a Polars lazy
query instead of SQL, for speed on one machine. It mirrors compiler.py step by step (effect
rules, per-row feature values computed before grouping, latest by occurred_on then record_id,
rounding by credo.ratings.arithmetic) and renders ``credo.ratings.banding``'s tree (points,
bands and reasons) as Polars expressions; the golden suite checks that it returns the same
results as the SQL engines.

Input: a frame with the columns of record_current (payload as JSON text, or flat
``payload_<field>`` columns) and a boolean ``suppressed``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import polars as pl

from credo.catalog.ratings import Condition, Feature, FeatureOp, RatingDef
from credo.ratings import banding
from credo.ratings.arithmetic import computed_polars, layers, round_polars
from credo.ratings.banding import ANY_LIVE, BAND_CODE, Plan, code_column, stale_column
from credo.ratings.compiler import Probe, Source, output_columns, spelling
from credo.records.effect import EffectRule


def evaluate_frame(
    rating: RatingDef, records: pl.LazyFrame, probe: Probe, source: Source = Source()
) -> pl.DataFrame:
    """The rating for the probe's subjects on ``probe.as_of``; the columns of the SQL."""
    if probe.as_of is None or probe.table is not None or source.known_at is not None:
        raise ValueError("the Polars engine rates today's knowledge on one date")
    recs = records.filter(pl.col("record_type").is_in(rating.inputs))
    if probe.subject_ids is not None:
        recs = recs.filter(pl.col("subject_id").is_in(list(probe.subject_ids)))
    plan = banding.plan(rating, source.assessment_types)
    rows = _with_effect(rating, plan, recs, probe.as_of, source)
    feat = _features(rating, plan, rows)
    scored = _scored(rating, plan, feat)
    atoms = scored.with_columns(
        banding.polars(atom.code).cast(pl.Int64).alias(code_column(i))
        for i, atom in enumerate(plan.atoms)
    )
    coded = atoms.with_columns(banding.polars(plan.band_code).alias(BAND_CODE))
    result = coded.with_columns(
        banding.polars(plan.label).cast(pl.String).alias("band"),
        banding.polars(plan.reason).cast(pl.String).alias("reason"),
        pl.lit(probe.as_of).alias("as_of"),
    )
    return result.select(output_columns(rating)).collect()


def _with_effect(
    rating: RatingDef, plan: Plan, recs: pl.LazyFrame, as_of: date, source: Source
) -> pl.LazyFrame:
    """Every input record with ``live`` (credo.records.effect's rule), ``ended`` where a
    feature reads assessments (banding's evidence of a stale assessment), its age and
    the payload fields the features read. Every subject keeps its rows, so grouping yields
    exactly the probe (subjects with input records) without a join."""
    rule = EffectRule(source.pending_appeal_types)
    live = rule.polars(as_of)
    fields = sorted({name for f in rating.features for name in _fields_of(f)})
    values = [
        typed_read(_payload(name, source), source.type_of(rating, name)).alias(f"v_{name}")
        for name in fields
    ]
    if plan.stale_features:
        values.append(banding.ended_polars(rule, as_of, live).alias("ended"))
    return recs.select(
        "subject_id",
        "record_id",
        "record_type",
        "occurred_on",
        live.alias("live"),
        (pl.lit(as_of) - pl.col("occurred_on")).dt.total_days().alias("age"),
        *values,
    )


def _fields_of(feature: Feature) -> list[str]:
    return [c.field for c in feature.where] + ([feature.field] if feature.field else [])


def _payload(name: str, source: Source) -> pl.Expr:
    if source.payload == "columns":
        return pl.col(f"payload_{name}")
    return pl.col("payload").str.json_path_match(f"$.{name}")


def typed_read(raw: pl.Expr, field_type: str | None) -> pl.Expr:
    """``compiler.typed_read`` in Polars: numbers as Float64, booleans as 'true'/'false',
    anything else as text (None: untyped, as read)."""
    if field_type is None:
        return raw
    if field_type in ("integer", "number"):
        return raw.cast(pl.Float64)
    text = raw.cast(pl.String)
    if field_type == "boolean":
        return (
            pl.when(text.is_in(["true", "1"]))
            .then(pl.lit("true"))
            .when(text.is_in(["false", "0"]))
            .then(pl.lit("false"))
            .otherwise(None)
        )
    return text


# -- features -------------------------------------------------------------------------------


def _features(rating: RatingDef, plan: Plan, rows: pl.LazyFrame) -> pl.LazyFrame:
    aggregates = [f for f in rating.read_features if f.op != FeatureOp.LATEST]
    # Per-row values first, then only plain aggregations (Polars' fast path).
    evidence = [pl.col("live").cast(pl.Int64).alias(ANY_LIVE)]
    for feature_id in plan.stale_features:
        match = pl.col("ended") & _match(rating, rating.feature(feature_id))
        evidence.append(match.fill_null(False).cast(pl.Int64).alias(stale_column(feature_id)))
    per_row = rows.select(
        "subject_id", *[_row_value(rating, f).alias(f.id) for f in aggregates], *evidence
    )
    reductions = [r for f in aggregates for r in _reduce(f)]
    reductions += [pl.col(ANY_LIVE).max()]
    reductions += [pl.col(stale_column(f)).max() for f in plan.stale_features]
    frame = (
        per_row.group_by("subject_id")
        .agg(*reductions)
        .with_columns(*[_sql_empty_sum(f) for f in aggregates if f.op == FeatureOp.SUM])
    )
    latest = [f for f in rating.features if f.op == FeatureOp.LATEST]
    effective = rows.filter(pl.col("live"))
    for group in _latest_groups(latest):
        frame = frame.join(_latest(rating, group, effective), on="subject_id", how="left")
    frame = frame.with_columns(*[_with_missing(f) for f in rating.read_features])
    for layer in layers(rating):  # a computed feature after those it reads
        frame = frame.with_columns(computed_polars(f).alias(f"f_{f.id}") for f in layer)
    return frame


def _row_value(rating: RatingDef, feature: Feature) -> pl.Expr:
    match = pl.col("live") & _match(rating, feature)
    weight = pl.lit(1.0)
    if feature.half_life is not None:
        weight = pl.lit(0.5).pow(pl.col("age").cast(pl.Float64) / feature.half_life.approx_days)
    if feature.op == FeatureOp.COUNT:
        return pl.when(match).then(weight).otherwise(0.0)
    value = _value(feature)
    if feature.op == FeatureOp.SUM:
        return pl.when(match).then(value * weight).otherwise(None)
    return pl.when(match).then(value).otherwise(None)


def _reduce(feature: Feature) -> list[pl.Expr]:
    column = pl.col(feature.id)
    if feature.op == FeatureOp.COUNT:  # every row has a value (0 or its weight)
        return [column.sum()]
    if feature.op == FeatureOp.SUM:
        return [column.sum(), column.count().alias(f"{feature.id}__n")]
    return [column.min() if feature.op == FeatureOp.MIN else column.max()]


def _sql_empty_sum(feature: Feature) -> pl.Expr:
    """SQL's SUM over no non-null values is NULL; Polars' is 0: keep SQL's meaning."""
    count = pl.col(f"{feature.id}__n")
    return pl.when(count > 0).then(pl.col(feature.id)).otherwise(None).alias(feature.id)


def _latest_groups(latest: list[Feature]) -> list[list[Feature]]:
    groups: dict[str, list[Feature]] = {}
    for feature in latest:
        key = repr((feature.record_types, feature.where, feature.window))
        groups.setdefault(key, []).append(feature)
    return list(groups.values())


def _latest(rating: RatingDef, group: list[Feature], eff: pl.LazyFrame) -> pl.LazyFrame:
    return (
        eff.filter(_match(rating, group[0]))
        .sort(["subject_id", "occurred_on", "record_id"], descending=[False, True, False])
        .group_by("subject_id", maintain_order=True)
        .first()
        .select("subject_id", *[_value(f).alias(f.id) for f in group])
    )


def _with_missing(feature: Feature) -> pl.Expr:
    column = pl.col(feature.id)
    if feature.kind == "number":
        column = round_polars(column)
    if feature.op == FeatureOp.COUNT:
        column = column.fill_null(0.0)
    elif isinstance(feature.missing, int | float):
        column = column.fill_null(float(feature.missing))
    return column.alias(f"f_{feature.id}")


def _value(feature: Feature) -> pl.Expr:
    column = pl.col(f"v_{feature.field}")
    return column.cast(pl.String) if feature.kind == "category" else column.cast(pl.Float64)


def _match(rating: RatingDef, feature: Feature) -> pl.Expr:
    match = pl.lit(True)
    if not set(feature.record_types) >= set(rating.inputs):  # else every input row matches
        match = pl.col("record_type").is_in(feature.record_types)
    for condition in feature.where:
        match = match & _condition(condition)
    if feature.window is not None:
        match = match & (pl.col("age") < feature.window.approx_days)
    return match


def _condition(condition: Condition) -> pl.Expr:
    column = pl.col(f"v_{condition.field}")
    if condition.gte is not None:
        return column.cast(pl.Float64) >= condition.gte
    if condition.lt is not None:
        return column.cast(pl.Float64) < condition.lt
    values: Sequence[Any] = condition.values()
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    left = column.cast(pl.Float64) if numeric else column.cast(pl.String)
    listed = [float(v) for v in values] if numeric else [spelling(v) for v in values]
    if condition.not_in is not None:
        return left.is_null() | ~left.is_in(listed)
    return left.is_in(listed).fill_null(False)


# -- points, total, bands -------------------------------------------------------------------


def _scored(rating: RatingDef, plan: Plan, feat: pl.LazyFrame) -> pl.LazyFrame:
    score = rating.score
    if score is None:
        return feat.with_columns(pl.lit(None, dtype=pl.Float64).alias("total"))
    points = [
        banding.polars(node).cast(pl.Float64).alias(f"p_{i}") for i, node in enumerate(plan.points)
    ]
    raw = pl.lit(float(score.base))
    for i in range(len(score.tables)):
        raw = raw + pl.col(f"p_{i}")
    clamped = raw
    if score.min is not None:
        clamped = pl.max_horizontal(clamped, pl.lit(float(score.min)))
    if score.max is not None:
        clamped = pl.min_horizontal(clamped, pl.lit(float(score.max)))
    total = pl.when(raw.is_null()).then(None).otherwise(round_polars(clamped))
    return feat.with_columns(points).with_columns(total.alias("total"))


def records_frame(tables: dict[str, Any]) -> pl.LazyFrame:
    """record_current with a ``suppressed`` flag, from the Arrow extract of the database."""
    current = pl.from_arrow(tables["record_current"])
    suppressions = pl.from_arrow(tables["record_suppressions"])
    assert isinstance(current, pl.DataFrame) and isinstance(suppressions, pl.DataFrame)
    open_now = (
        suppressions.lazy()
        .filter(pl.col("closed_at").is_null())
        .select("chain_id")
        .unique()
        .with_columns(pl.lit(True).alias("suppressed"))
    )
    return (
        current.lazy()
        .join(open_now, on="chain_id", how="left")
        .with_columns(pl.col("suppressed").fill_null(False))
    )
