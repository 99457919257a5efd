"""The one rating compiler: a RatingDef (the intermediate form) to SQL, through SQLGlot, for
SQLite, PostgreSQL, DuckDB and Spark SQL.

The query is written once as a SQLGlot tree in DuckDB's dialect and transpiled; the only
per-engine parts are how a payload field is read (JSON on the databases, flat columns in a
batch extract) and what SQLGlot does for date differences and rounding. Real-time, batch and
point-in-time evaluation all run this query; they differ only in the probe: which
(subject_id, as_of) pairs to evaluate.

Output columns: subject_id, as_of, one column per feature (``f_<id>``), one per points table
(``p_<n>``), ``total``, ``band`` (a label, ``pending`` or ``not_rated``) and ``reason`` (why a
result is pending or not rated; null for a band). Points, bands and reasons are
``credo.ratings.banding``'s tree, rendered as SQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import sqlglot
from sqlglot import exp

from credo.catalog.ratings import Condition, Feature, FeatureOp, RatingDef
from credo.ratings import banding
from credo.ratings.arithmetic import computed_sql, layers, round_sql
from credo.ratings.banding import ANY_LIVE, Plan, stale_column
from credo.records.effect import EffectRule

Dialect = Literal["sqlite", "postgres", "duckdb", "spark"]
DIALECTS: tuple[Dialect, ...] = ("sqlite", "postgres", "duckdb", "spark")
PayloadMode = Literal["json", "columns"]


@dataclass(frozen=True)
class Probe:
    """Which (subject, date) pairs to evaluate: every subject with input records, some
    subjects, or the pairs in a table with columns (subject_id, as_of)."""

    as_of: date | None = None
    subject_ids: tuple[int, ...] | None = None
    table: str | None = None


@dataclass(frozen=True)
class Source:
    """Where records come from. ``known_at``: the statements received by then (what was known
    at the time) instead of the current view (today's knowledge). ``payload``: ``json`` reads
    the payload column, ``columns`` reads flat ``payload_<field>`` columns of an extract.
    ``assessment_types``: the catalogue's assessment record types (a missing feature over them
    may be a stale assessment). ``field_types``: (record type, payload field, catalogue type)
    triples, so each field is read with its type."""

    known_at: datetime | None = None
    payload: PayloadMode = "json"
    pending_appeal_types: tuple[str, ...] = ()
    assessment_types: tuple[str, ...] = ()
    field_types: tuple[tuple[str, str, str], ...] = ()

    def type_of(self, rating: RatingDef, name: str) -> str | None:
        """The catalogue type of payload field ``name`` in ``rating``'s inputs (one type: the
        loader refuses a clash); None when no catalogue says (read as the engine reads it)."""
        for record_type, field_name, field_type in self.field_types:
            if field_name == name and record_type in rating.inputs:
                return field_type
        return None


def compile_rating(
    rating: RatingDef, dialect: Dialect, probe: Probe, source: Source = Source()
) -> str:
    """The SQL that evaluates ``rating`` for the probe's pairs on ``dialect``."""
    plan = banding.plan(rating, source.assessment_types)
    ctes = _base_ctes(rating, probe, source, dialect)
    ctes.append(("feat", _features_query(rating, plan)))
    features = "feat"
    for index, layer in enumerate(layers(rating)):
        ctes.append((f"computed_{index}", _computed_query(layer, features)))
        features = f"computed_{index}"
    ctes.append(("scored", _scored_query(rating, plan, features)))
    ctes.append(("coded", _coded_query(plan)))
    columns = ", ".join(output_columns(rating)[:-2])
    band, reason = banding.sql(plan.label), banding.sql(plan.reason)
    final = f"SELECT {columns}, {band} AS band, {reason} AS reason FROM coded"
    return _render(ctes, final, dialect)


def output_columns(rating: RatingDef) -> list[str]:
    points = [f"p_{i}" for i in range(len(rating.score.tables))] if rating.score else []
    features = [f"f_{f.id}" for f in rating.features]
    return ["subject_id", "as_of", *features, *points, "total", "band", "reason"]


def compile_contributions(
    rating: RatingDef, dialect: Dialect, probe: Probe, source: Source = Source()
) -> str:
    """The ids of the records that fed any feature, per (subject_id, as_of)."""
    ctes = _base_ctes(rating, probe, source, dialect)
    matches = " OR ".join(f"({_match(rating, f)})" for f in rating.read_features) or "FALSE"
    final = (
        "SELECT subject_id, as_of, record_id, record_type, occurred_on FROM eff "
        f"WHERE live AND ({matches}) ORDER BY subject_id, as_of, occurred_on DESC, record_id"
    )
    return _render(ctes, final, dialect)


def compile_inputs(
    rating: RatingDef, dialect: Dialect, probe: Probe, source: Source = Source()
) -> str:
    """Every input record of the probed subjects, in effect on the date or not, with what the
    explanation of a result shows: ``live``, ``ended`` (an assessment that has passed its
    validity) and ``m_<feature>`` (the record matches the feature's filter)."""
    ctes = _base_ctes(rating, probe, source, dialect, explained=True)
    matches = "".join(
        f", CASE WHEN {_match(rating, f)} THEN 1 ELSE 0 END AS m_{f.id}"
        for f in rating.read_features
    )
    final = (
        "SELECT subject_id, as_of, record_id, chain_id, record_type, state, occurred_on, "
        "effective_from, effect_until, expires_on, finality, end_reason, suppressed, "
        f"CASE WHEN live THEN 1 ELSE 0 END AS live, CASE WHEN ended THEN 1 ELSE 0 END AS ended"
        f"{matches} FROM eff ORDER BY subject_id, as_of, occurred_on DESC, record_id"
    )
    return _render(ctes, final, dialect)


# -- records and probe ----------------------------------------------------------------------


def _base_ctes(
    rating: RatingDef, probe: Probe, source: Source, dialect: Dialect, explained: bool = False
) -> list[tuple[str, str]]:
    inputs = _in_list(rating.inputs)
    fields = sorted({name for f in rating.features for name in _fields_of(f)})
    records = _records_query(source, dialect, inputs, fields, explained) + _subject_filter(probe)
    ctes = [("recs", records)]
    if probe.table is not None:
        ctes.append(("probe", f"SELECT subject_id, as_of FROM {probe.table}"))
    return [*ctes, ("eff", _effective_query(rating, source, probe, explained))]


def _subject_filter(probe: Probe) -> str:
    if probe.subject_ids is None:
        return ""
    if not probe.subject_ids:
        return " AND FALSE"
    return f" AND r.subject_id IN ({', '.join(str(int(s)) for s in probe.subject_ids)})"


def _records_query(
    source: Source, dialect: Dialect, inputs: str, fields: list[str], explained: bool = False
) -> str:
    """The record rows (current view, or as known at ``known_at``) with an open-suppression
    flag, restricted to the rating's input types (``explained``: with the reason its effect
    ends, for explanations)."""
    if source.known_at is None:
        state, decision = "r.state", "r"
        table = "record_current r"
        known = "TRUE"
        open_now = "s.closed_at IS NULL"
    else:
        # As known then: the latest statement received by then gives the state and the folded
        # end of effect; the latest decision (assert or correct) gives what was decided.
        at = _timestamp(source.known_at, dialect)
        state, decision = "CASE r.action WHEN 'revoke' THEN 'revoked' ELSE 'active' END", "d"
        table = (
            "record_statements r JOIN record_statements d ON d.chain_id = r.chain_id AND "
            "d.revision = (SELECT MAX(y.revision) FROM record_statements y WHERE y.chain_id = "
            f"r.chain_id AND y.received_at <= {at} AND y.action IN ('assert', 'correct'))"
        )
        known = (
            f"r.received_at <= {at} AND r.revision = (SELECT MAX(x.revision) FROM "
            f"record_statements x WHERE x.chain_id = r.chain_id AND x.received_at <= {at})"
        )
        open_now = f"s.opened_at <= {at} AND (s.closed_at IS NULL OR s.closed_at > {at})"
    payload = f"{decision}.payload"
    if source.payload == "columns":
        names = [f"{decision}.payload_{name}" for name in fields]
        payload = ", ".join(names) or "NULL AS payload"
    # A join with the distinct open suppressions: a hash join on every engine (a correlated
    # EXISTS in the select list is planned as a nested loop by some).
    suppressions = f"SELECT DISTINCT s.chain_id FROM record_suppressions s WHERE {open_now}"
    d = decision
    if explained:
        payload += ", r.end_reason"
    return (
        f"SELECT r.subject_id, r.record_id, r.chain_id, r.record_type, {state} AS state, "
        f"{d}.occurred_on, {d}.effective_from, r.effect_until, r.expires_on, {d}.finality, "
        f"{payload}, sup.chain_id IS NOT NULL AS suppressed FROM {table} "
        f"LEFT JOIN ({suppressions}) sup ON sup.chain_id = r.chain_id "
        f"WHERE r.record_type IN ({inputs}) AND {known}"
    )


def _effective_query(
    rating: RatingDef, source: Source, probe: Probe, explained: bool = False
) -> str:
    """Every input record of each probed subject with ``live``: credo.records.effect's rule
    on the probed date, and ``ended`` where a feature reads assessments (banding's evidence of
    a stale assessment). Keeping the other rows means grouping
    ``eff`` yields every probed pair in one pass, with no join back to the probe."""
    fields = sorted({name for f in rating.features for name in _fields_of(f)})
    columns = ", ".join(
        f"{typed_read(_payload_read(name, source.payload), source.type_of(rating, name))} "
        f"AS v_{name}"
        for name in fields
    )
    if probe.table is None:
        if probe.as_of is None:
            raise ValueError("a probe needs an as_of date or a table")
        as_of, origin = _date(probe.as_of), "recs r"
    else:
        as_of, origin = "p.as_of", "probe p JOIN recs r ON r.subject_id = p.subject_id"
    rule = EffectRule(source.pending_appeal_types)
    live = rule.sql("r", as_of)
    extra = [columns] if columns else []
    if explained or banding.plan(rating, source.assessment_types).stale_features:
        extra.insert(0, f"{banding.ended_sql(rule, 'r', as_of, live)} AS ended")
    if explained:
        extra.insert(0, "r.chain_id, r.state, r.effective_from, r.effect_until, r.expires_on")
        extra.insert(1, "r.finality, r.end_reason, r.suppressed")
    return (
        f"SELECT r.subject_id, {as_of} AS as_of, r.record_id, r.record_type, r.occurred_on, "
        f"date_diff('day', r.occurred_on, {as_of}) AS age, {live} AS live"
        f"{''.join(', ' + e for e in extra)} FROM {origin}"
    )


def _fields_of(feature: Feature) -> list[str]:
    return [c.field for c in feature.where] + ([feature.field] if feature.field else [])


def _payload_read(name: str, mode: PayloadMode) -> str:
    if mode == "columns":
        return f"r.payload_{name}"
    return f"r.payload ->> '$.{name}'"


def typed_read(raw: str, field_type: str | None) -> str:
    """A payload value read with its catalogue type, spelled the same on every engine:
    numbers as DOUBLE; booleans as 'true'/'false' (SQLite's JSON reads them as 1/0, the
    others as text); anything else as text (None: untyped, as read)."""
    if field_type is None:
        return raw
    if field_type in ("integer", "number"):
        return f"CAST({raw} AS DOUBLE)"
    text = f"CAST({raw} AS VARCHAR)"
    if field_type == "boolean":
        return (
            f"CASE WHEN {text} IN ('true', '1') THEN 'true' "
            f"WHEN {text} IN ('false', '0') THEN 'false' END"
        )
    return text


# -- features -------------------------------------------------------------------------------


def _features_query(rating: RatingDef, plan: Plan) -> str:
    """One row per probed pair: aggregates in one pass, latest values by window functions,
    and banding's evidence (any input in effect; per feature, an assessment that ended)."""
    aggregates = [f for f in rating.read_features if f.op != FeatureOp.LATEST]
    cols = "".join(f", {_aggregate(rating, f)} AS a_{f.id}" for f in aggregates)
    cols += f", MAX(CASE WHEN live THEN 1 ELSE 0 END) AS {ANY_LIVE}"
    evidence = [ANY_LIVE]
    for feature_id in plan.stale_features:
        match = _match(rating, rating.feature(feature_id))
        column = stale_column(feature_id)
        cols += f", MAX(CASE WHEN ended AND {match} THEN 1 ELSE 0 END) AS {column}"
        evidence.append(column)
    grouped = f"SELECT subject_id, as_of{cols} FROM eff GROUP BY subject_id, as_of"
    select = ["p.subject_id", "p.as_of", *(f"p.{c}" for c in evidence)]
    select += [_with_missing(f, f"p.a_{f.id}") for f in aggregates]
    joins: list[str] = []
    for index, members in enumerate(_latest_groups(rating)):
        alias = f"l{index}"
        joins.append(_latest_join(rating, members, alias))
        select += [_with_missing(f, f"{alias}.v_{f.id}") for f in members]
    return f"SELECT {', '.join(select)} FROM ({grouped}) p {' '.join(joins)}"


def _latest_groups(rating: RatingDef) -> list[list[Feature]]:
    """Latest-value features with the same filter read the same record (one window)."""
    groups: dict[str, list[Feature]] = {}
    for feature in rating.features:
        if feature.op == FeatureOp.LATEST:
            groups.setdefault(_match(rating, feature), []).append(feature)
    return list(groups.values())


def _latest_join(rating: RatingDef, members: list[Feature], alias: str) -> str:
    values = ", ".join(f"{_value(f)} AS v_{f.id}" for f in members)
    ranked = (
        f"SELECT subject_id, as_of, {values}, ROW_NUMBER() OVER (PARTITION BY subject_id, as_of "
        "ORDER BY occurred_on DESC, record_id) AS rn "
        f"FROM eff WHERE live AND {_match(rating, members[0])}"
    )
    return (
        f"LEFT JOIN ({ranked}) {alias} ON {alias}.subject_id = p.subject_id "
        f"AND {alias}.as_of = p.as_of AND {alias}.rn = 1"
    )


def _aggregate(rating: RatingDef, feature: Feature) -> str:
    match = f"live AND {_match(rating, feature)}"
    weight = "1.0"
    if feature.half_life is not None:
        weight = f"POWER(0.5, CAST(age AS DOUBLE) / {feature.half_life.approx_days})"
    if feature.op == FeatureOp.COUNT:
        return f"SUM(CASE WHEN {match} THEN {weight} ELSE 0.0 END)"
    if feature.op == FeatureOp.SUM:
        return f"SUM(CASE WHEN {match} THEN {_value(feature)} * {weight} END)"
    assert feature.op is not None
    return f"{feature.op.value.upper()}(CASE WHEN {match} THEN {_value(feature)} END)"


def _with_missing(feature: Feature, column: str) -> str:
    value = column
    if feature.kind == "number":
        value = round_sql(column)
    if feature.op == FeatureOp.COUNT:
        value = f"COALESCE({value}, 0.0)"
    elif isinstance(feature.missing, int | float):
        value = f"COALESCE({value}, {_number(feature.missing)})"
    return f"{value} AS f_{feature.id}"


def _value(feature: Feature) -> str:
    if feature.kind == "category":
        return f"CAST(v_{feature.field} AS VARCHAR)"
    return f"CAST(v_{feature.field} AS DOUBLE)"


def _match(rating: RatingDef, feature: Feature) -> str:
    parts = []
    if not set(feature.record_types) >= set(rating.inputs):  # else every row of recs matches
        parts.append(f"record_type IN ({_in_list(feature.record_types)})")
    parts += [_condition(c) for c in feature.where]
    if feature.window is not None:
        parts.append(f"age < {feature.window.approx_days}")
    return " AND ".join(parts) or "TRUE"


def _condition(condition: Condition) -> str:
    column = f"v_{condition.field}"
    if condition.gte is not None:
        return f"CAST({column} AS DOUBLE) >= {_number(condition.gte)}"
    if condition.lt is not None:
        return f"CAST({column} AS DOUBLE) < {_number(condition.lt)}"
    values = condition.values()
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    left = f"CAST({column} AS DOUBLE)" if numeric else f"CAST({column} AS VARCHAR)"
    listed = ", ".join(_number(v) if numeric else _string(spelling(v)) for v in values)
    if condition.not_in is not None:
        return f"({left} IS NULL OR {left} NOT IN ({listed}))"
    return f"{left} IN ({listed})"


# -- points, total, bands -------------------------------------------------------------------


def _computed_query(layer: list[Feature], features: str) -> str:
    """One layer of computed features (arithmetic over the features), by
    credo.ratings.arithmetic. On PostgreSQL each layer is MATERIALIZED: its planner inlines a
    CTE and substitutes each column's expression into every use, and the rounding reads its
    operand six times, so four nested layers grew to thousands of copies and the server was
    killed for memory."""
    columns = ", ".join(f"{computed_sql(f)} AS f_{f.id}" for f in layer)
    return f"SELECT *, {columns} FROM {features}"


def _scored_query(rating: RatingDef, plan: Plan, features: str) -> str:
    score = rating.score
    if score is None:
        return f"SELECT *, CAST(NULL AS DOUBLE) AS total FROM {features}"
    points = [f"{banding.sql(node)} AS p_{i}" for i, node in enumerate(plan.points)]
    raw = " + ".join([_number(score.base), *(f"p_{i}" for i in range(len(score.tables)))])
    total = f"({raw})"
    if score.min is not None:
        total = f"GREATEST({total}, {_number(score.min)})"
    if score.max is not None:
        total = f"LEAST({total}, {_number(score.max)})"
    inner = f"SELECT *, {', '.join(points)} FROM {features}"
    # A missing feature leaves the total missing (GREATEST would turn NULL into the minimum).
    clamped = f"SELECT *, CASE WHEN {raw} IS NULL THEN NULL ELSE {total} END AS t_clamped"
    return (
        f"SELECT *, CAST({round_sql('t_clamped')} AS DOUBLE) AS total "
        f"FROM ({clamped} FROM ({inner}) pts) clamp"
    )


def _coded_query(plan: Plan) -> str:
    """One code per banding atom, then the worst of them."""
    codes = ", ".join(
        f"{banding.sql(atom.code)} AS {banding.code_column(i)}" for i, atom in enumerate(plan.atoms)
    )
    worst = banding.sql(plan.band_code)
    return f"SELECT *, {worst} AS {banding.BAND_CODE} FROM (SELECT *, {codes} FROM scored) atoms"


# -- literals and rendering -----------------------------------------------------------------


def spelling(value: bool | float | str) -> str:
    """A condition's value as ``typed_read`` spells it (booleans as 'true'/'false')."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _string(value: str) -> str:
    return exp.Literal.string(value).sql(dialect="duckdb")


def _number(value: float | int | str | None) -> str:
    return repr(float(value or 0))


def _in_list(values: Sequence[str]) -> str:
    return ", ".join(_string(v) for v in values)


def _date(value: date) -> str:
    return f"CAST({_string(value.isoformat())} AS DATE)"


def _timestamp(value: datetime, dialect: Dialect) -> str:
    utc = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if dialect == "sqlite":  # SQLAlchemy stores naive UTC text on SQLite
        return _string(utc.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds"))
    return f"CAST({_string(utc.isoformat())} AS TIMESTAMPTZ)"


# Inlined, PostgreSQL substitutes each feature's expression into every use of it: planning
# food_safety_grade's real-time query took 835-1,020 ms for a query that runs in a few; with
# these steps materialized, 7 ms (see also _computed_query; docs/performance.md, issue 14).
_PG_FENCES = frozenset({"feat", "scored"})


def _render(ctes: list[tuple[str, str]], final: str, dialect: Dialect) -> str:
    """The query in ``dialect``. On SQLite every step is materialized: flattened, the steps'
    nested ``SELECT *`` copy each column's expression into every use of it, and preparing
    the statement took 20-90 ms (more than running it); materialized, 1-5 ms."""
    with_clause = ", ".join(f"{name} AS ({body})" for name, body in ctes)
    tree = sqlglot.parse_one(f"WITH {with_clause} {final}", read="duckdb")
    if dialect == "postgres":
        tree = tree.transform(_jsonb_for_postgres)
    if dialect == "sqlite":
        for cte in tree.find_all(exp.CTE):
            cte.set("materialized", True)
    if dialect == "postgres":  # fences: the features, each computed layer, the points
        for cte in tree.find_all(exp.CTE):
            if cte.alias in _PG_FENCES or cte.alias.startswith("computed_"):
                cte.set("materialized", True)
    return tree.sql(dialect=dialect)


def _jsonb_for_postgres(node: exp.Expression) -> exp.Expression:
    """PostgreSQL's payload is JSONB: read it through a json cast, which SQLGlot's path
    extraction (json_extract_path_text) accepts."""
    if isinstance(node, exp.JSONExtractScalar) and not isinstance(node.this, exp.Cast):
        node.set("this", exp.cast(node.this, exp.DataType.build("json")))
    return node


# -- templates for the real-time path -------------------------------------------------------

_TEMPLATE_DATES = (date(1900, 1, 1), date(1900, 1, 2))
_TEMPLATE_SUBJECTS = (987654321987, 987654321986)


@dataclass(frozen=True)
class Template:
    """A compiled query cut at the probe's places: ``parts`` interleaved with the holes
    (``date`` or ``subjects``) that ``bind_probe`` fills in."""

    parts: tuple[str, ...]
    holes: tuple[Literal["date", "subjects"], ...]


def compile_template(rating: RatingDef, dialect: Dialect, source: Source = Source()) -> Template:
    """The query for some subjects on some date, compiled once; ``bind_probe`` fills it in.

    It is compiled twice, with two different dates and subjects of the same length: the
    places where the two texts differ are the probe's, and nothing else (a rating's own
    literal that happens to equal a placeholder is the same in both texts, so it stays)."""
    first, second = (
        compile_rating(rating, dialect, Probe(as_of=day, subject_ids=(subject,)), source)
        for day, subject in zip(_TEMPLATE_DATES, _TEMPLATE_SUBJECTS, strict=True)
    )
    holes: dict[str, tuple[Literal["date", "subjects"], str]] = {
        f"'{_TEMPLATE_DATES[0].isoformat()}'": ("date", f"'{_TEMPLATE_DATES[1].isoformat()}'"),
        f"IN ({_TEMPLATE_SUBJECTS[0]})": ("subjects", f"IN ({_TEMPLATE_SUBJECTS[1]})"),
    }
    if len(first) != len(second):
        raise ValueError("template texts differ in length; cannot find the probe's places")
    parts: list[str] = []
    kinds: list[Literal["date", "subjects"]] = []
    start = index = 0
    while index < len(first):
        hole = next(
            (
                (text, kind)
                for text, (kind, other) in holes.items()
                if first.startswith(text, index) and second.startswith(other, index)
            ),
            None,
        )
        if hole is None:
            index += 1
            continue
        parts.append(first[start:index])
        kinds.append(hole[1])
        index = start = index + len(hole[0])
    parts.append(first[start:])
    return Template(tuple(parts), tuple(kinds))


def bind_probe(template: Template, subject_ids: Sequence[int], as_of: date) -> str:
    ids = ", ".join(str(int(s)) for s in subject_ids) or "NULL"
    fill = {"date": f"'{as_of.isoformat()}'", "subjects": f"IN ({ids})"}
    out = [template.parts[0]]
    for kind, part in zip(template.holes, template.parts[1:], strict=True):
        out += [fill[kind], part]
    return "".join(out)
