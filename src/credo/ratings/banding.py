"""The one owner of banding: how feature values and the total become a band, and why a result
is pending or not rated.

The banding of a ``RatingDef`` is built once, here, as data: a small tree of conditions and
cases (``plan``), and rendered into every form an engine needs: SQL text in DuckDB's dialect for
the rating compiler (transpiled by SQLGlot to SQLite, PostgreSQL, DuckDB and Spark), a Polars
expression for the embedded batch engine, and a Python evaluation for explanations and
counterfactuals. The same shape as ``credo.records.effect`` for "in effect on date D".

The rules, in the tree:

- Outcome codes: a band's rank (0 = best), ``PENDING_CODE``, ``NOT_RATED_CODE``; the worst of
  the codes wins. ``IGNORE_CODE``: a rule that does not apply (a guard that does not hold, a
  missing value with no treatment); a result where no rule applies is not rated.
- A feature whose absence means "not rated" or "pending" decides alone when it is missing.
- A banding rule: bins ``[from, to)`` over the total or a feature; ``by`` a category feature
  (one bin list per value, ``otherwise`` for any other value); ``when`` a guard on a category
  feature. A rule over a missing value (its feature, ``by`` or ``when`` feature, or the total)
  is never skipped: it gives the outcome that the missing value means (``null_code``), with
  the reason ``missing_feature:<id>`` where no earlier atom says more.
- Points tables: bins of a feature to points (a missing feature gives no points, and so no
  total).
- Every pending or not-rated result carries a reason code (``REASONS``): the first rule, in
  order (missing features, not rated before pending, then the banding rules), whose code is the
  result's, says why.

Besides feature values the tree reads two facts about the subject's input records (the
evidence): ``any_live``, whether any input record is in effect on the date, and per feature over
assessment record types, ``s_<feature>``, whether a matching assessment had effect and has
ended by the date (``ended``). Each engine computes them with ``credo.records.effect``'s rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal, cast

from credo.catalog.ratings import NOT_RATED, PENDING, TOTAL, Banding, Bin, Feature, RatingDef
from credo.records.effect import EffectRule

if TYPE_CHECKING:
    import polars as pl

# Outcome codes: a band's rank (0 = best), then pending, then not rated; the worst wins.
PENDING_CODE = 1000
NOT_RATED_CODE = 2000
IGNORE_CODE = -1

# Why a result is pending or not rated.
NO_INPUTS = "no_inputs"  # no input record in effect on the date
STALE_ASSESSMENT = "stale_assessment"  # the subject's assessments have all passed their validity
BAND_NOT_RATED = "band_not_rated"  # a banding rule's bin (or otherwise) maps to not_rated
BAND_PENDING = "band_pending"  # a banding rule's bin (or otherwise) maps to pending
MISSING_FEATURE = "missing_feature"  # missing_feature:<id>: its absence means not rated
PENDING_FEATURE = "pending"  # pending:<id>: its absence means pending
REASONS = (
    NO_INPUTS,
    STALE_ASSESSMENT,
    BAND_NOT_RATED,
    BAND_PENDING,
    f"{MISSING_FEATURE}:<feature>",
    f"{PENDING_FEATURE}:<feature>",
)
REASON_TEXT = {
    NO_INPUTS: {
        "en": "No input record is in effect on this date",
        "zh": "该日期没有有效的输入记录",
    },
    STALE_ASSESSMENT: {
        "en": "The latest assessment has passed its validity and no newer one followed",
        "zh": "最近一次评定已超过有效期,且没有更新的评定",
    },
    BAND_NOT_RATED: {
        "en": "The rating's rules give no rating for these values",
        "zh": "按评级规则,这些数值不予评级",
    },
    BAND_PENDING: {
        "en": "The rating's rules leave the rating pending for these values",
        "zh": "按评级规则,这些数值的评级待定",
    },
    MISSING_FEATURE: {
        "en": "A value the rating needs is missing: no matching record in effect",
        "zh": "评级所需的数值缺失:没有符合条件的有效记录",
    },
    PENDING_FEATURE: {
        "en": "A value the rating waits for is missing: the rating is pending",
        "zh": "评级所等待的数值缺失:评级待定",
    },
}

# Columns the tree reads besides ``f_<feature>`` and ``total``.
ANY_LIVE = "any_live"  # 1 if any input record is in effect on the date, else 0
BAND_CODE = "band_code"


def stale_column(feature_id: str) -> str:
    return f"s_{feature_id}"


def code_column(index: int) -> str:
    return f"c_{index}"


def points_column(index: int) -> str:
    return f"p_{index}"


def reason_text(reason: str | None) -> dict[str, str] | None:
    """English and Chinese texts of a reason code (``missing_feature:x`` by its prefix)."""
    if reason is None:
        return None
    return REASON_TEXT.get(reason.partition(":")[0])


# -- the tree ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Const:
    value: float | int | str | None


@dataclass(frozen=True, slots=True)
class Col:
    name: str


@dataclass(frozen=True, slots=True)
class Test:
    """``column IS NULL`` (``null``), ``column < operand`` (``lt``) or ``column = operand``
    (``eq``); a missing value fails ``lt`` and ``eq``."""

    column: str
    op: Literal["null", "lt", "eq"]
    operand: Const | Col | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """The value of the first arm whose test holds, else ``otherwise``."""

    arms: tuple[tuple[Test, Node], ...]
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Worst:
    """The greatest of the codes."""

    items: tuple[Node, ...]


Node = Const | Col | Case | Worst


@dataclass(frozen=True, slots=True)
class Atom:
    """One source of an outcome code (a missing feature, a banding rule) and, when the result's
    code is this one's, the reason."""

    code: Node
    reason: Node
    rule: int | None = None  # the index of the banding rule, for explanations


@dataclass(frozen=True)
class Plan:
    """The banding of one rating, as data. Columns, in order of computation: ``p_<i>`` (points
    per table, from the features), then the engine's total, then ``c_<i>`` (one code per atom),
    ``band_code`` (the worst), then the band label and the reason."""

    points: tuple[Node, ...]
    atoms: tuple[Atom, ...]
    band_code: Node
    label: Node
    reason: Node
    stale_features: tuple[str, ...] = field(default=())


def plan(rating: RatingDef, assessment_types: Sequence[str] = ()) -> Plan:
    """The banding of ``rating``; ``assessment_types``: the catalogue's assessment record types
    (a missing feature over them may be a stale assessment)."""
    assert rating.bands is not None
    stale = tuple(f.id for f in rating.features if _may_be_stale(f, assessment_types))
    points = tuple(
        _bins(f"f_{t.feature}", t.bins, lambda b: Const(float(b.points or 0)), Const(None))
        for t in (rating.score.tables if rating.score else [])
    )
    atoms = [_missing_atom(f, f.id in stale) for f in _missing_features(rating)]
    atoms += [_rule_atom(rating, index, rule) for index, rule in enumerate(rating.bands.rules)]
    if not atoms:
        atoms = [Atom(Const(IGNORE_CODE), Const(None))]
    band_code = Worst(tuple(Col(code_column(i)) for i in range(len(atoms))))
    labels = [
        (Test(BAND_CODE, "eq", Const(r)), Const(x)) for r, x in enumerate(rating.bands.labels)
    ]
    label = Case(
        (*labels, (Test(BAND_CODE, "eq", Const(PENDING_CODE)), Const(PENDING))), Const(NOT_RATED)
    )
    nothing_applies = Case(
        ((Test(ANY_LIVE, "eq", Const(0)), Const(NO_INPUTS)),), Const(BAND_NOT_RATED)
    )
    reason = Case(
        (
            (Test(BAND_CODE, "eq", Const(IGNORE_CODE)), nothing_applies),
            (Test(BAND_CODE, "lt", Const(PENDING_CODE)), Const(None)),
            *(
                (Test(code_column(i), "eq", Col(BAND_CODE)), atom.reason)
                for i, atom in enumerate(atoms)
            ),
        ),
        Const(None),
    )
    return Plan(points, tuple(atoms), band_code, label, reason, stale)


def _may_be_stale(feature: Feature, assessment_types: Sequence[str]) -> bool:
    return feature.missing == NOT_RATED and bool(set(feature.record_types) & set(assessment_types))


def _missing_features(rating: RatingDef) -> list[Feature]:
    """Features whose absence decides the outcome, those meaning not rated first."""
    deciding = [f for f in rating.features if f.missing in (NOT_RATED, PENDING)]
    return sorted(deciding, key=lambda f: f.missing != NOT_RATED)


def _missing_atom(feature: Feature, may_be_stale: bool) -> Atom:
    missing = Test(f"f_{feature.id}", "null")
    if feature.missing == PENDING:
        pending = Case(((missing, Const(PENDING_CODE)),), Const(IGNORE_CODE))
        return Atom(pending, Const(f"{PENDING_FEATURE}:{feature.id}"))
    arms: list[tuple[Test, Node]] = []
    if may_be_stale:
        arms.append((Test(stale_column(feature.id), "eq", Const(1)), Const(STALE_ASSESSMENT)))
    arms.append((Test(ANY_LIVE, "eq", Const(0)), Const(NO_INPUTS)))
    reason = Case(tuple(arms), Const(f"{MISSING_FEATURE}:{feature.id}"))
    return Atom(Case(((missing, Const(NOT_RATED_CODE)),), Const(IGNORE_CODE)), reason)


def _rule_atom(rating: RatingDef, index: int, rule: Banding) -> Atom:
    column = TOTAL if rule.over == TOTAL else f"f_{rule.over}"

    def banded(bins: Sequence[Bin]) -> Node:
        missing = Const(null_code(rating, rule.over))
        return _bins(column, bins, lambda b: Const(outcome_code(rating, b.band)), missing)

    code: Node
    empty: list[tuple[Test, Node]] = []  # the rule's reads that are missing, in order
    if rule.bins is not None:
        code = banded(rule.bins)
    else:
        by = f"f_{rule.by}"
        assert rule.by is not None
        arms: list[tuple[Test, Node]] = [(Test(by, "null"), Const(null_code(rating, rule.by)))]
        arms += [(Test(by, "eq", Const(v)), banded(b)) for v, b in (rule.cases or {}).items()]
        code = Case(tuple(arms), Const(outcome_code(rating, rule.otherwise)))
        empty.append((Test(by, "null"), Const(f"{MISSING_FEATURE}:{rule.by}")))
    if rule.when is not None:
        when = f"f_{rule.when.feature}"
        guard = Test(when, "eq", Const(rule.when.equals))
        unknown = (Test(when, "null"), Const(null_code(rating, rule.when.feature)))
        code = Case((unknown, (guard, code)), Const(IGNORE_CODE))
        empty.insert(0, (Test(when, "null"), Const(f"{MISSING_FEATURE}:{rule.when.feature}")))
    empty.append((Test(column, "null"), Const(f"{MISSING_FEATURE}:{rule.over}")))
    # A rule's reason is read only when its code is the result's: band_code is its code.
    not_rated = Test(BAND_CODE, "eq", Const(NOT_RATED_CODE))
    reason = Case((*empty, (not_rated, Const(BAND_NOT_RATED))), Const(BAND_PENDING))
    return Atom(code, reason, index)


def null_code(rating: RatingDef, name: str) -> int:
    """The outcome a missing value of feature ``name`` (or the total) means: pending or not
    rated as the feature says; a computed feature or the total is missing when a feature it
    reads is, whose own atom then decides, so the least severe of theirs (never skipped)."""
    if name == TOTAL:
        tables = rating.score.tables if rating.score else []
        codes = [null_code(rating, t.feature) for t in tables]
        return min(codes, default=NOT_RATED_CODE)
    feature = rating.feature(name)
    if feature.compute is not None:
        return min(null_code(rating, term) for term, _ in feature.compute.terms())
    return PENDING_CODE if feature.missing == PENDING else NOT_RATED_CODE


def outcome_code(rating: RatingDef, outcome: str | None) -> int:
    """The code of a band label, ``pending`` or ``not_rated`` (no band: not rated)."""
    if outcome == PENDING:
        return PENDING_CODE
    if outcome is None or outcome == NOT_RATED:
        return NOT_RATED_CODE
    return rating.band_rank(outcome)


def _bins(column: str, bins: Sequence[Bin], value: Callable[[Bin], Node], missing: Node) -> Node:
    arms: list[tuple[Test, Node]] = [(Test(column, "null"), missing)]
    arms += [(Test(column, "lt", Const(float(b.to or 0))), value(b)) for b in bins[:-1]]
    return Case(tuple(arms), value(bins[-1]))


# -- SQL (DuckDB dialect, transpiled by SQLGlot) ---------------------------------------------


def sql(node: Node) -> str:
    """The node as a SQL expression over the query's columns."""
    if isinstance(node, Const):
        return _sql_literal(node.value)
    if isinstance(node, Col):
        return node.name
    if isinstance(node, Worst):
        items = [sql(item) for item in node.items]
        return items[0] if len(items) == 1 else f"GREATEST({', '.join(items)})"
    arms = " ".join(f"WHEN {_sql_test(test)} THEN {sql(value)}" for test, value in node.arms)
    return f"CASE {arms} ELSE {sql(node.otherwise)} END"


def _sql_test(test: Test) -> str:
    if test.op == "null":
        return f"{test.column} IS NULL"
    assert test.operand is not None
    operand = sql(test.operand)
    return f"{test.column} {'<' if test.op == 'lt' else '='} {operand}"


def _sql_literal(value: float | int | str | None) -> str:
    from sqlglot import exp

    if value is None:
        return "NULL"
    if isinstance(value, str):
        return exp.Literal.string(value).sql(dialect="duckdb")
    if isinstance(value, float):
        return repr(value)
    return str(int(value))


def ended_sql(rule: EffectRule, alias: str, on: str, live: str) -> str:
    """SQL for ``ended``: the record had effect (on its first day, no later than ``on``) and
    has none on ``on`` (``live``: the rule on ``on``, already rendered)."""
    return f"(NOT ({live}) AND {rule.sql(alias, f'LEAST({on}, {alias}.effective_from)')})"


# -- Polars ------------------------------------------------------------------------------------


def polars(node: Node) -> pl.Expr:
    import polars as pl

    if isinstance(node, Const):
        return pl.lit(node.value)
    if isinstance(node, Col):
        return pl.col(node.name)
    if isinstance(node, Worst):
        return pl.max_horizontal([polars(item) for item in node.items])
    expr: Any = None
    for test, value in node.arms:
        condition = _polars_test(test)
        expr = (pl.when(condition) if expr is None else expr.when(condition)).then(polars(value))
    return cast("pl.Expr", expr.otherwise(polars(node.otherwise)))


def _polars_test(test: Test) -> pl.Expr:
    import polars as pl

    column = pl.col(test.column)
    if test.op == "null":
        return column.is_null()
    assert test.operand is not None
    operand = polars(test.operand)
    compared = column < operand if test.op == "lt" else column == operand
    return compared.fill_null(False)


def ended_polars(rule: EffectRule, on: date, live: pl.Expr) -> pl.Expr:
    """``ended`` over a frame with the record columns (see ``ended_sql``)."""
    import polars as pl

    first_day = pl.min_horizontal(pl.lit(on), pl.col("effective_from"))
    # The rule's Polars form compares each date column with ``on``; an expression works too.
    return ~live & rule.polars(cast(date, first_day))


# -- Python ------------------------------------------------------------------------------------


def evaluate(node: Node, row: Mapping[str, Any]) -> Any:
    """The node's value for one row (a mapping of the columns it reads)."""
    if isinstance(node, Const):
        return node.value
    if isinstance(node, Col):
        return row.get(node.name)
    if isinstance(node, Worst):
        return max(evaluate(item, row) for item in node.items)
    for test, value in node.arms:
        if _holds(test, row):
            return evaluate(value, row)
    return evaluate(node.otherwise, row)


def _holds(test: Test, row: Mapping[str, Any]) -> bool:
    value = row.get(test.column)
    if test.op == "null":
        return value is None
    assert test.operand is not None
    operand = evaluate(test.operand, row)
    if value is None or operand is None:
        return False
    return bool(value < operand) if test.op == "lt" else bool(value == operand)


def ended(rule: EffectRule, row: Mapping[str, Any], on: date) -> bool:
    """``ended`` for one record row (see ``ended_sql``)."""
    return not rule.holds(row, on) and rule.holds(row, min(on, row["effective_from"]))


@dataclass(frozen=True)
class Decision:
    points: list[float | None]
    total: Any
    codes: list[int]
    band_code: int
    band: str
    reason: str | None


def decide(
    banding: Plan, row: Mapping[str, Any], total: Callable[[list[float | None]], Any]
) -> Decision:
    """The whole banding for one row of feature values (``f_<id>``) and evidence (``any_live``,
    ``s_<id>``); ``total``: the score's total from the points."""
    values = dict(row)
    points = [evaluate(node, values) for node in banding.points]
    values.update({points_column(i): p for i, p in enumerate(points)})
    values[TOTAL] = total(points)
    codes = [int(evaluate(atom.code, values)) for atom in banding.atoms]
    values.update({code_column(i): c for i, c in enumerate(codes)})
    band_code = int(evaluate(banding.band_code, values))
    values[BAND_CODE] = band_code
    band = str(evaluate(banding.label, values))
    reason = evaluate(banding.reason, values)
    return Decision(points, values[TOTAL], codes, band_code, band, reason)
