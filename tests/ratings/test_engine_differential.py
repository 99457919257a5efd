"""Differential test of the engines (issue 16): random valid ratings across the rating language
(count, sum, min, max, latest; windows; half-lives; conditions on numbers, booleans, enums and
texts; computed features: sum, difference, min, max, weighted sum, clamp; points tables; bands
over the total or a feature; bands by a category; pending and not-rated outcomes) over random
record histories with edge values (half-way decimals, large numbers, booleans, window edges,
leap days; revoked, performed, appealed, disputed records), evaluated on the system of record
in batch and in real time, DuckDB, Polars and the Python of explanations: every engine gives
the same features, points, total, band and reason.

The budget is the Hypothesis profile's (``python3 dev.py test --hypothesis-profile=deep
tests/ratings/test_engine_differential.py`` runs four hundred examples per database). A failure
it finds becomes a fixed example in ``test_engine_agreement.py``."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from credo.catalog.catalogue import Catalogue
from credo.catalog.ratings import RatingDef, rating_messages
from credo.records.tables import record_current, record_suppressions
from credo.subjects.tables import subjects
from tests.ratings.agreement import NOW, TEXT, assert_agree, everywhere, record

PENALTY = "administrative_penalty"
KINDS = ["fine", "confiscation", "suspension", "licence_revocation"]
AMOUNTS = [0, 0.1234565, 33.3, 0.5, 2.5, 7.0000005, 1234567890.1234567, 1e15, 12.25, 99.9999995]
EDGES = [0.123457, 0.5, 1, 1.5, 2.5, 12.25, 33.3, 100, 1e6]
POINTS = [-5, -1.5, 0, 2, 0.1234565, 10]
DAYS_BEFORE = [0, 1, 29, 30, 31, 89, 90, 91, 179, 180, 181, 364, 365, 366, 700]
AS_OF = [date(2026, 3, 1), date(2028, 2, 29), date(2026, 12, 31)]


def conditions() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.builds(lambda v: {"field": "paid", "equals": v}, st.booleans()),
        st.builds(
            lambda vs, neg: {"field": "penalty_kind", ("not_in" if neg else "in"): vs},
            st.lists(st.sampled_from(KINDS), min_size=1, max_size=3, unique=True),
            st.booleans(),
        ),
        st.builds(lambda v: {"field": "fine_amount", "gte": v}, st.sampled_from(EDGES)),
        st.builds(lambda v: {"field": "fine_amount", "lt": v}, st.sampled_from(EDGES)),
        st.builds(lambda v: {"field": "violation", "equals": v}, st.sampled_from(["late", "x"])),
    )


@st.composite
def numeric_feature(draw: Any, index: int) -> dict[str, Any]:
    op = draw(st.sampled_from(["count", "sum", "min", "max", "latest"]))
    feature: dict[str, Any] = {"id": f"f{index}", "op": op, "record_types": [PENALTY]}
    if op != "count":
        feature["field"] = "fine_amount"
        feature["missing"] = draw(st.sampled_from([0, 1.5, "not_rated", "pending"]))
    where = draw(st.lists(conditions(), max_size=2))
    if where:
        feature["where"] = where
    window = draw(st.sampled_from([None, "30d", "90d", "365d", "1y"]))
    if window:
        feature["window"] = window
    if op in ("count", "sum"):
        half_life = draw(st.sampled_from([None, "30d", "180d", "1y"]))
        if half_life:
            feature["half_life"] = half_life
    return feature


@st.composite
def bins(draw: Any, outcome: st.SearchStrategy[Any], key: str) -> list[dict[str, Any]]:
    edges = sorted(draw(st.lists(st.sampled_from(EDGES), min_size=1, max_size=3, unique=True)))
    bounds = [None, *edges, None]
    return [
        {
            **({"from": low} if low is not None else {}),
            **({"to": high} if high is not None else {}),
            key: draw(outcome),
        }
        for low, high in itertools.pairwise(bounds)
    ]


LABELS = ["A", "B", "C"]
OUTCOMES = st.sampled_from([*LABELS, *LABELS, "pending", "not_rated"])


WEIGHTS = [0.5, -1.5, 0.1234565, 3, 1e-7]


@st.composite
def computation(draw: Any, numeric: list[str]) -> dict[str, Any]:
    """One operator of the closed set over two or three of the numeric features."""
    names = draw(st.lists(st.sampled_from(numeric), min_size=2, max_size=3, unique=True))
    op = draw(st.sampled_from(["sum", "difference", "min", "max", "weighted_sum", "clamp"]))
    if op == "difference":
        return {op: names[:2]}
    if op == "weighted_sum":
        return {op: [{"feature": n, "weight": draw(st.sampled_from(WEIGHTS))} for n in names]}
    if op == "clamp":
        bounds = draw(st.sampled_from([(0, 100), (0.5, None), (None, 12.25), (-1.5, 0.5)]))
        given = {k: v for k, v in zip(("min", "max"), bounds, strict=True) if v is not None}
        return {op: {"feature": names[0], **given}}
    return {op: names}


@st.composite
def rating_document(draw: Any) -> dict[str, Any]:
    features = [draw(numeric_feature(i)) for i in range(draw(st.integers(1, 3)))]
    category = draw(st.sampled_from([None, "penalty_kind", "paid"]))
    if category:
        features.append(
            {
                "id": "cat",
                "op": "latest",
                "field": category,
                "kind": "category",
                "record_types": [PENALTY],
                "missing": draw(st.sampled_from(["not_rated", "pending"])),
            }
        )
    numeric = [f["id"] for f in features if f.get("kind") != "category"]
    if len(numeric) >= 2 and draw(st.booleans()):  # issue 15: arithmetic over features
        features.append({"id": "calc", "compute": draw(computation(numeric))})
        numeric.append("calc")
    document: dict[str, Any] = {
        "id": "diff",
        "version": 1,
        "name": TEXT,
        "purpose": "Differential test of the engines.",
        "domain": "market_regulation",
        "subject_kinds": ["organisation", "person"],
        "inputs": [PENALTY],
        "features": features,
    }
    scored = draw(st.booleans())
    if scored:
        tables = [
            {
                "feature": name,
                "monotonic": "none",
                "bins": draw(bins(st.sampled_from(POINTS), "points")),
                "reason": {"code": f"R{i}", "text": TEXT},
            }
            for i, name in enumerate(
                draw(st.lists(st.sampled_from(numeric), min_size=1, max_size=2, unique=True))
            )
        ]
        score: dict[str, Any] = {"base": draw(st.sampled_from([0, 10, 0.5])), "tables": tables}
        if draw(st.booleans()):
            score["min"], score["max"] = 0, 20
        document["score"] = score
    overs = ["total", *numeric] if scored else numeric
    rules = [
        {
            "over": draw(st.sampled_from(overs)),
            "monotonic": "none",
            "bins": draw(bins(OUTCOMES, "band")),
            "reason": {"code": "RULE", "text": TEXT},
        }
        for _ in range(draw(st.integers(1, 2)))
    ]
    if category:
        values = KINDS[:2] if category == "penalty_kind" else ["true"]
        rules.append(
            {
                "over": draw(st.sampled_from(overs)),
                "monotonic": "none",
                "by": "cat",
                "cases": {v: draw(bins(OUTCOMES, "band")) for v in values},
                "otherwise": draw(st.sampled_from(["not_rated", "pending"])),
                "reason": {"code": "RULE", "text": TEXT},
            }
        )
    document["bands"] = {"labels": LABELS, "rules": rules}
    return document


@st.composite
def histories(draw: Any, on: date) -> list[dict[str, Any]]:
    rows = []
    for index in range(draw(st.integers(1, 8))):
        payload: dict[str, Any] = {"decision_number": f"P-{index}"}
        payload["penalty_kind"] = draw(st.sampled_from(KINDS))
        amount = draw(st.sampled_from([None, *AMOUNTS]))
        if amount is not None:
            payload["fine_amount"] = amount
        paid = draw(st.sampled_from([None, True, False]))
        if paid is not None:
            payload["paid"] = paid
        if draw(st.booleans()):
            payload["violation"] = draw(st.sampled_from(["late", "x"]))
        occurred = on - timedelta(days=draw(st.sampled_from(DAYS_BEFORE)))
        row = record(
            index,
            PENALTY,
            payload,
            subject=draw(st.integers(1, 3)),
            occurred=occurred,
            days=draw(st.sampled_from([1, 30, 365, 1000])),
        )
        row["state"] = draw(st.sampled_from(["active", "active", "active", "revoked", "performed"]))
        row["finality"] = draw(st.sampled_from(["final", "final", "appealed"]))
        row["suppressed"] = draw(st.booleans()) and draw(st.booleans())
        rows.append(row)
    return rows


@st.composite
def cases(draw: Any) -> tuple[dict[str, Any], list[dict[str, Any]], date]:
    on = draw(st.sampled_from(AS_OF))
    return draw(rating_document()), draw(histories(on)), on


def store(engine: Engine, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as conn:
        conn.execute(delete(record_suppressions))
        conn.execute(delete(record_current))
        conn.execute(delete(subjects))
        ids = sorted({r["subject_id"] for r in rows})
        conn.execute(
            subjects.insert(), [{"id": i, "kind": "organisation", "created_at": NOW} for i in ids]
        )
        conn.execute(
            record_current.insert(),
            [{k: v for k, v in r.items() if k != "suppressed"} for r in rows],
        )
        disputed = [
            {
                "chain_id": r["chain_id"],
                "subject_id": r["subject_id"],
                "reason": "dispute",
                "opened_at": NOW,
            }
            for r in rows
            if r["suppressed"]
        ]
        if disputed:
            conn.execute(record_suppressions.insert(), disputed)


@settings(
    # two-fifths of the profile's budget: 40 examples per database in the suite, 400 deep
    max_examples=settings.default.max_examples * 2 // 5,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases())
def test_every_engine_agrees_on_random_ratings_and_histories(
    engine: Engine, catalogue: Catalogue, case: tuple[dict[str, Any], list[dict[str, Any]], date]
) -> None:
    document, rows, on = case
    rating_def = RatingDef.model_validate(document)
    assume(not rating_messages(catalogue.record_types, rating_def))  # only what the loader accepts
    note(f"rating: {document}")
    store(engine, rows)
    found = everywhere(engine, catalogue, rating_def, rows, on)
    assert_agree(found)


@pytest.mark.spark
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=6,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cases())
def test_spark_agrees_too_on_a_few(
    engine: Engine,
    catalogue: Catalogue,
    spark: Any,
    case: tuple[dict[str, Any], list[dict[str, Any]], date],
) -> None:
    """Spark takes seconds per query: a fixed handful of examples."""
    document, rows, on = case
    rating_def = RatingDef.model_validate(document)
    assume(not rating_messages(catalogue.record_types, rating_def))
    note(f"rating: {document}")
    store(engine, rows)
    assert_agree(everywhere(engine, catalogue, rating_def, rows, on, spark))
