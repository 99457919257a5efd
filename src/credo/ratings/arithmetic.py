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
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

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
