"""The one arithmetic of ratings: every number a rating computes (a feature's value, a total)
is rounded to ``DECIMALS`` places by one rule, half away from zero on the decimal value, in
the same operations on every engine, so SQLite, PostgreSQL, DuckDB, Spark, Polars and the
Python of explanations give the same digits.

The engines' own ``ROUND`` functions disagree at the sixth decimal: DuckDB rounds the binary
value (0.1234565 is stored as 0.12345649999..., so 0.123456), SQLite and PostgreSQL round a
decimal spelling (0.123457; PostgreSQL's cast keeps only 15 significant digits), Polars and
Spark differ again. So none of them is used. The rule, in IEEE double arithmetic that every
engine performs identically:

    y = |x| * 10^6
    round6(x) = sign(x) * floor(y + min(y * 1e-15, 0.001) + 0.5) / 10^6 + 0.0

The nudge (about four units in the last place of ``y``, never more than 0.001) lifts a value
that is a half in decimal but a hair below it in binary (0.1234565, 33.3 / 64) onto the half,
so it rounds away from zero as its decimal spelling says; it stays far below the step between
seventh decimals (0.1 in units of ``y``), and for values too large to carry seven decimals
it adds nothing. A sum that differs by a few units in the last place between engines (another
order of addition, another ``pow``) rounds to the same digits unless it lies within the nudge
of a half. ``+ 0.0`` turns -0.0 into 0.0. From ``y >= 2^52`` on, every double is an integer
and ``x`` is returned as it is (adding 0.5 there could round up to the next integer, and
Spark's FLOOR returns a 64-bit integer that such values would overflow).

Computed features (``compute:`` in a rating: sum, difference, min, max, weighted sum, clamp over
other features) are one expression rendered here three ways, like the rounding: SQL over the
query's ``f_<feature>`` columns (``computed_sql``), Polars (``computed_polars``) and Python
(``computed_py``, for explanations and counterfactuals). The engines compute them in layers
(``layers``: a computed feature after those it reads), each reading the columns of the ones
before, so a nested expression is never copied into its users. Operands are added left to right in
double arithmetic, a computed value is missing when any feature it reads is missing (SQL's
GREATEST and Polars' max_horizontal would skip a NULL), and each computed value, a nested
one included, is rounded by the rule above.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from credo.catalog.ratings import Compute, Feature, RatingDef

DECIMALS = 6
SCALE = 1_000_000.0
RELATIVE_NUDGE = 1e-15
MAX_NUDGE = 0.001
EXACT = 4503599627370496.0  # 2^52: from here on every double is an integer


def round_sql(value: str) -> str:
    """The rule over the SQL expression ``value`` (DuckDB dialect; SQLGlot transpiles it).
    Every literal is a DOUBLE, so no engine computes in DECIMAL."""

    def lit(number: float) -> str:
        return f"CAST({number!r} AS DOUBLE)"

    x = f"CAST({value} AS DOUBLE)"
    y = f"(ABS({x}) * {lit(SCALE)})"
    nudged = f"{y} + LEAST({y} * {lit(RELATIVE_NUDGE)}, {lit(MAX_NUDGE)}) + {lit(0.5)}"
    rounded = (
        f"CAST(SIGN({x}) AS DOUBLE) * CAST(FLOOR({nudged}) AS DOUBLE) / {lit(SCALE)} + {lit(0.0)}"
    )
    # NULL first: SQLAlchemy's SQLite driver registers a Python FLOOR that fails on NULL.
    return f"(CASE WHEN {x} IS NULL THEN NULL WHEN {y} >= {lit(EXACT)} THEN {x} ELSE {rounded} END)"


def round_polars(value: pl.Expr) -> pl.Expr:
    """The rule over a Polars expression."""
    import polars as pl

    x = value.cast(pl.Float64)
    y = x.abs() * SCALE
    nudged = y + (y * RELATIVE_NUDGE).clip(upper_bound=MAX_NUDGE) + 0.5
    # Polars divides a column by a constant as a product with its reciprocal (996209 / 1e6
    # gives 0.9962089999999999); divided by a column of the constant, it divides exactly.
    scale = x * 0.0 + SCALE
    rounded = x.sign().cast(pl.Float64) * nudged.floor() / scale + 0.0
    return pl.when(y >= EXACT).then(x).otherwise(rounded)


def round_py(value: float | None) -> float | None:
    """The rule in Python (explanations, counterfactuals, tests)."""
    if value is None:
        return None
    x = float(value)
    y = abs(x) * SCALE
    if y >= EXACT:
        return x
    nudged = y + min(y * RELATIVE_NUDGE, MAX_NUDGE) + 0.5
    sign = 1.0 if x > 0 else -1.0 if x < 0 else 0.0
    return sign * float(math.floor(nudged)) / SCALE + 0.0


# -- computed features ------------------------------------------------------------------------


def _compute(feature: Feature) -> Compute:
    assert feature.compute is not None, f"{feature.id} is not computed"
    return feature.compute


def leaves(rating: RatingDef, feature: Feature) -> list[str]:
    """The features read from records that a computed feature depends on, in order."""
    found: list[str] = []
    for name, _ in _compute(feature).terms():
        other = rating.feature(name)
        for leaf in leaves(rating, other) if other.computed else [name]:
            if leaf not in found:
                found.append(leaf)
    return found


def layers(rating: RatingDef) -> list[list[Feature]]:
    """The computed features in layers: each reads only features of earlier layers or read
    from records (the catalogue refuses a cycle)."""
    depth: dict[str, int] = {}

    def depth_of(feature: Feature) -> int:
        if feature.compute is None:
            return -1
        if feature.id not in depth:
            terms = [rating.feature(name) for name, _ in feature.compute.terms()]
            depth[feature.id] = 1 + max(depth_of(term) for term in terms)
        return depth[feature.id]

    found: list[list[Feature]] = []
    for feature in rating.computed_features:
        level = depth_of(feature)
        found += [[] for _ in range(level + 1 - len(found))]
        found[level].append(feature)
    return found


def computed_sql(feature: Feature) -> str:
    """The computed feature as SQL over the ``f_<feature>`` columns (DuckDB dialect; those of
    computed features it reads come from an earlier layer), rounded, missing when any feature
    it reads is missing."""
    compute = _compute(feature)
    terms = [(f"f_{name}", weight) for name, weight in compute.terms()]
    value = _sql_op(compute, terms)
    missing = " OR ".join(f"f_{name} IS NULL" for name, _ in compute.terms())
    return round_sql(f"CASE WHEN {missing} THEN NULL ELSE {value} END")


def _sql_op(compute: Compute, terms: list[tuple[str, float]]) -> str:
    def lit(number: float) -> str:
        return f"CAST({number!r} AS DOUBLE)"

    columns = [f"CAST({column} AS DOUBLE)" for column, _ in terms]
    if compute.sum is not None:
        return " + ".join(columns)
    if compute.difference is not None:
        return f"{columns[0]} - {columns[1]}"
    if compute.weighted_sum is not None:
        return " + ".join(f"{lit(w)} * {c}" for c, (_, w) in zip(columns, terms, strict=True))
    if compute.min is not None or compute.max is not None:
        return f"{'LEAST' if compute.min is not None else 'GREATEST'}({', '.join(columns)})"
    assert compute.clamp is not None
    value = columns[0]
    if compute.clamp.min is not None:
        value = f"GREATEST({value}, {lit(float(compute.clamp.min))})"
    if compute.clamp.max is not None:
        value = f"LEAST({value}, {lit(float(compute.clamp.max))})"
    return value


def computed_polars(feature: Feature) -> pl.Expr:
    """``computed_sql`` in Polars, over the ``f_<feature>`` columns."""
    import polars as pl

    compute = _compute(feature)
    values = [pl.col(f"f_{name}").cast(pl.Float64) for name, _ in compute.terms()]
    value: pl.Expr
    if compute.sum is not None:
        value = values[0]
        for item in values[1:]:
            value = value + item
    elif compute.difference is not None:
        value = values[0] - values[1]
    elif compute.weighted_sum is not None:
        weights = [w for _, w in compute.terms()]
        value = pl.lit(weights[0]) * values[0]
        for weight, item in zip(weights[1:], values[1:], strict=True):
            value = value + pl.lit(weight) * item
    elif compute.min is not None:
        value = pl.min_horizontal(values)
    elif compute.max is not None:
        value = pl.max_horizontal(values)
    else:
        assert compute.clamp is not None
        value = values[0]
        if compute.clamp.min is not None:
            value = pl.max_horizontal(value, pl.lit(float(compute.clamp.min)))
        if compute.clamp.max is not None:
            value = pl.min_horizontal(value, pl.lit(float(compute.clamp.max)))
    missing = pl.any_horizontal([pl.col(f"f_{name}").is_null() for name, _ in compute.terms()])
    return round_polars(pl.when(missing).then(None).otherwise(value))


def computed_py(
    rating: RatingDef,
    feature: Feature,
    values: Mapping[str, Any],
    absent: frozenset[str] = frozenset(),
) -> float | None:
    """The computed feature in Python from feature values (by id). ``absent``: features left
    out, for explanations (a sum counts them as 0; min and max skip them; a clamp of an absent
    feature, or a min or max of absent ones only, is None)."""
    compute = _compute(feature)
    terms: list[tuple[float | None, float]] = []
    for name, weight in compute.terms():
        other = rating.feature(name)
        if name in absent:
            terms.append((None, weight))
            continue
        value = computed_py(rating, other, values, absent) if other.computed else values.get(name)
        if value is None and not (other.computed and absent):
            return None
        terms.append((None if value is None else float(value), weight))
    present = [(v, w) for v, w in terms if v is not None]
    result: float | None
    if compute.min is not None or compute.max is not None:
        choose = min if compute.min is not None else max
        result = choose(v for v, _ in present) if present else None
    elif compute.clamp is not None:
        result = present[0][0] if present else None
        if result is not None and compute.clamp.min is not None:
            result = max(result, float(compute.clamp.min))
        if result is not None and compute.clamp.max is not None:
            result = min(result, float(compute.clamp.max))
    else:  # sum, difference (a + -1 * b is a - b exactly), weighted sum: left to right
        result = None
        for value, weight in terms:
            term = 0.0 if value is None else value if compute.sum is not None else weight * value
            result = term if result is None else result + term
    return round_py(result)
