"""The seven disagreements between engines found in issue 16, one test each: every engine
(SQLite or PostgreSQL in batch and in real time, DuckDB, Polars, Spark, the Python of
explanations)
gives the same band, score, features and reasons, or the catalogue loader refuses what an
engine could not run the same way."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy import text as sa_text

from credo.catalog.loader import load_catalogue
from credo.errors import CatalogueError
from credo.records.queries import extract_tables
from credo.records.validate import StatementValidator
from credo.settings import DEMO_CATALOG
from tests.ratings.agreement import (
    assert_agree,
    catalogue_with,
    everywhere,
    load_database,
    rating,
    reason,
    record,
)

ON = date(2026, 3, 1)
PENALTY = "administrative_penalty"


def b_from_one(over: str) -> dict[str, Any]:
    """Band A below 1 of ``over``, B from 1."""
    bins = [{"to": 1, "band": "A"}, {"from": 1, "band": "B"}]
    return {
        "labels": ["A", "B"],
        "rules": [{"over": over, "monotonic": "decreasing", "bins": bins}],
    }


def spark_for(engine: Engine, request: pytest.FixtureRequest) -> Any:
    """Spark joins the SQLite run of each case (once is enough: it reads the extracts)."""
    return request.getfixturevalue("spark") if engine.dialect.name == "sqlite" else None


def penalty(index: int, on: date, **payload: Any) -> dict[str, Any]:
    base = {"decision_number": f"P-{index}", "penalty_kind": "fine"}
    return record(index, PENALTY, {**base, **payload}, occurred=on)


def points_rating(rating_id: str, feature: dict[str, Any], edge: float) -> dict[str, Any]:
    """Base 10, one point at or above ``edge``; band A from a total of 11."""
    return rating(
        rating_id,
        "market_regulation",
        [PENALTY],
        features=[feature],
        score={
            "base": 10,
            "tables": [
                {
                    "feature": feature["id"],
                    "monotonic": "increasing",
                    "bins": [{"to": edge, "points": 0}, {"from": edge, "points": 1}],
                    "reason": reason(),
                }
            ],
        },
        bands={
            "labels": ["A", "B"],
            "rules": [
                {
                    "over": "total",
                    "monotonic": "increasing",
                    "bins": [{"to": 11, "band": "B"}, {"from": 11, "band": "A"}],
                }
            ],
        },
    )


def test_1_rounding_at_the_sixth_decimal_is_the_same_everywhere(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    latest = {"id": "x", "op": "latest", "field": "fine_amount", "record_types": [PENALTY]}
    decayed = {
        "id": "s",
        "op": "sum",
        "field": "fine_amount",
        "record_types": [PENALTY],
        "half_life": "30d",
        "missing": 0,
    }
    catalogue = catalogue_with(
        tmp_path,
        points_rating("edge_latest", {**latest, "missing": "not_rated"}, 0.123457),
        points_rating("edge_decayed", decayed, 0.520313),
    )
    rows = [
        penalty(1, ON - timedelta(days=5), fine_amount=0.1234565),
        {**penalty(2, ON - timedelta(days=180), fine_amount=33.3), "subject_id": 2},
        {**penalty(3, ON - timedelta(days=1), fine_amount=1234567890.1234567), "subject_id": 3},
    ]
    load_database(engine, rows)
    (one, _two, three) = assert_agree(
        everywhere(
            engine,
            catalogue,
            catalogue.ratings["edge_latest"],
            rows,
            ON,
            spark_for(engine, request),
        )
    )
    assert (one.features["x"], one.band) == (0.123457, "A")  # DuckDB's ROUND said 0.123456, B
    assert three.features["x"] == 1234567890.123457  # PostgreSQL's cast kept 15 digits
    decayed_results = assert_agree(
        everywhere(
            engine,
            catalogue,
            catalogue.ratings["edge_decayed"],
            rows,
            ON,
            spark_for(engine, request),
        )
    )
    assert decayed_results[1].features["s"] == 0.520313  # 33.3 / 64 = 0.5203125
    assert decayed_results[1].band == "A"


def test_2_booleans_read_the_same_everywhere(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    paid = {
        "id": "paid",
        "op": "count",
        "record_types": [PENALTY],
        "where": [{"field": "paid", "equals": True}],
    }
    unpaid = {**paid, "id": "unpaid", "where": [{"field": "paid", "in": [False]}]}
    catalogue = catalogue_with(
        tmp_path,
        rating(
            "edge_paid",
            "market_regulation",
            [PENALTY],
            features=[paid, unpaid],
            bands=b_from_one("paid"),
        ),
    )
    rows = [
        penalty(1, ON - timedelta(days=5), paid=True),
        penalty(2, ON - timedelta(days=6), paid=False),
        penalty(3, ON - timedelta(days=7), paid=False),
    ]
    load_database(engine, rows)
    (result,) = assert_agree(
        everywhere(
            engine, catalogue, catalogue.ratings["edge_paid"], rows, ON, spark_for(engine, request)
        )
    )
    assert result.features == {"paid": 1.0, "unpaid": 2.0}  # SQLite counted 0 paid before
    assert result.band == "B"


def problems(tmp_path: Path, *ratings: dict[str, Any]) -> str:
    with pytest.raises(CatalogueError) as caught:
        catalogue_with(tmp_path, *ratings)
    return "\n".join(str(p) for p in caught.value.problems)


def count_where(rating_id: str, condition: dict[str, Any]) -> dict[str, Any]:
    feature = {"id": "n", "op": "count", "record_types": [PENALTY], "where": [condition]}
    return rating(
        rating_id,
        "market_regulation",
        [PENALTY],
        features=[feature],
        bands=b_from_one("n"),
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"field": "penalty_kind", "gte": 1}, "gte and lt need a number field, not a enum"),
        ({"field": "violation", "equals": 3}, "cannot be compared with a string field"),
        ({"field": "violation", "equals": True}, "cannot be compared with a string field"),
        ({"field": "paid", "equals": 1}, "cannot be compared with a boolean field"),
        ({"field": "fine_amount", "in": ["a", 1]}, "cannot be compared with a number field"),
        ({"field": "penalty_kind", "equals": "fines"}, "are not among the field's values"),
    ],
)
def test_3_conditions_must_suit_the_field_type(
    tmp_path: Path, condition: dict[str, Any], expected: str
) -> None:
    found = problems(tmp_path, count_where("edge_condition", condition))
    assert expected in found and "ratings[edge_condition]" in found


def test_3_a_condition_that_suits_its_field_loads(tmp_path: Path) -> None:
    catalogue = catalogue_with(
        tmp_path, count_where("edge_ok", {"field": "penalty_kind", "in": ["fine", "suspension"]})
    )
    assert "edge_ok" in catalogue.ratings


def test_4_a_category_takes_no_number_for_missing(tmp_path: Path) -> None:
    kind = {
        "id": "kind",
        "op": "latest",
        "field": "penalty_kind",
        "kind": "category",
        "record_types": [PENALTY],
        "missing": 0,
    }
    found = problems(tmp_path, {**count_where("edge_category", {}), "features": [kind]})
    assert "a category feature cannot take the number 0.0 for a missing value" in found


def test_4_a_category_reads_no_number_field(tmp_path: Path) -> None:
    amount = {
        "id": "amount",
        "op": "latest",
        "field": "fine_amount",
        "kind": "category",
        "record_types": [PENALTY],
        "missing": "not_rated",
    }
    found = problems(tmp_path, {**count_where("edge_category", {}), "features": [amount]})
    assert "a category reads an enum, string, boolean or date field" in found


def test_5_numbers_beyond_the_bound_are_refused_at_ingestion() -> None:
    catalogue = load_catalogue(DEMO_CATALOG)
    validator = StatementValidator(catalogue, "market_regulator", ON)
    row = {
        "record_type": PENALTY,
        "source_ref": "P-big",
        "subject_kind": "organisation",
        "identifiers": [("city_permit", "CP-000001")],
        "occurred_on": "2026-01-05",
        "payload": {"decision_number": "P-big", "penalty_kind": "fine", "fine_amount": 1e20},
        "evidence": {
            "kind": "administrative_penalty_decision",
            "document_id": "P-big",
            "issuer": "Demo City Market Regulation Bureau",
            "issued_on": "2026-01-05",
        },
        "provenance": {"kind": "official_decision"},
    }
    rejection = validator.validate(row)
    assert getattr(rejection, "code", None) == "payload_invalid"
    assert "is not a finite number within ±1e+15" in str(getattr(rejection, "detail", ""))


def test_5_a_stored_number_beyond_64_bits_does_not_break_the_extracts(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    latest = {
        "id": "x",
        "op": "latest",
        "field": "fine_amount",
        "record_types": [PENALTY],
        "missing": "not_rated",
    }
    catalogue = catalogue_with(tmp_path, points_rating("edge_big", latest, 1000.0))
    rows = [penalty(1, ON - timedelta(days=5), fine_amount=1e20)]
    load_database(engine, rows)
    if engine.dialect.name == "postgresql":  # stored before the bound, as JSONB's exact integer
        text = '{"decision_number": "P-1", "penalty_kind": "fine", "fine_amount": 1' + "0" * 20
        with engine.begin() as conn:
            conn.execute(
                sa_text("UPDATE record_current SET payload = CAST(:p AS JSONB)"), {"p": text + "}"}
            )
        rows[0]["payload"]["fine_amount"] = 10**20
    with engine.connect() as conn:
        tables = extract_tables(conn, [PENALTY])  # orjson refused PostgreSQL's int before
    assert tables["record_current"].num_rows == 1
    (result,) = assert_agree(
        everywhere(
            engine, catalogue, catalogue.ratings["edge_big"], rows, ON, spark_for(engine, request)
        )
    )
    assert (result.features["x"], result.band) == (1e20, "A")


def test_6_a_rating_literal_equal_to_the_templates_date_is_left_alone(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    early = {
        "id": "n",
        "op": "count",
        "record_types": ["tax_arrears"],
        "where": [{"field": "period_end", "equals": "1900-01-01"}],
    }
    catalogue = catalogue_with(
        tmp_path,
        rating(
            "edge_date",
            "tax",
            ["tax_arrears"],
            features=[early],
            bands=b_from_one("n"),
        ),
    )
    arrears = {"amount": 100, "tax_kind": "vat", "period_end": "1900-01-01"}
    rows = [record(1, "tax_arrears", arrears, occurred=ON - timedelta(days=3))]
    load_database(engine, rows)
    (result,) = assert_agree(
        everywhere(
            engine, catalogue, catalogue.ratings["edge_date"], rows, ON, spark_for(engine, request)
        )
    )
    assert (result.features["n"], result.band) == (1.0, "B")  # real time said A before


@pytest.mark.parametrize(
    "edit",
    [
        {"score": {"base": ".inf"}},
        {"bin_to": ".nan"},
        {"points": ".inf"},
    ],
)
def test_7_infinite_and_undefined_numbers_are_refused(tmp_path: Path, edit: dict[str, Any]) -> None:
    feature = {"id": "n", "op": "count", "record_types": [PENALTY]}
    document = points_rating("edge_inf", feature, 1.0)
    table = document["score"]["tables"][0]
    if "score" in edit:
        document["score"]["base"] = float("inf")
    elif "bin_to" in edit:
        table["bins"][0]["to"] = float("nan")
        table["bins"][1]["from"] = float("nan")
    else:
        table["bins"][1]["points"] = float("inf")
    found = problems(tmp_path, document)
    assert "finite number" in found or "Input should be a finite number" in found


def test_8_arithmetic_over_features_is_the_same_everywhere(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Issue 15: computed features (sum, difference, min, max, weighted sum, clamp, nested)
    give the same digits on every engine and in the Python of explanations, and a computed
    feature over a missing value is missing (not rated, with the missing feature's reason)."""
    read = {"record_types": [PENALTY], "field": "fine_amount", "missing": 0}
    paid = [{"field": "paid", "equals": True}]
    features = [
        {"id": "n", "op": "count", "record_types": [PENALTY]},
        {"id": "fines", "op": "sum", **read},
        {"id": "biggest", "op": "max", **read},
        {"id": "smallest", "op": "min", **read},
        {"id": "paid_fine", "op": "latest", **read, "where": paid, "missing": "not_rated"},
        {"id": "plus", "compute": {"sum": ["n", "fines", "paid_fine"]}},
        {"id": "spread", "compute": {"difference": ["biggest", "smallest"]}},
        {"id": "low", "compute": {"min": ["n", "biggest"]}},
        {"id": "high", "compute": {"max": ["spread", "n"]}},
        {
            "id": "weighted",
            "compute": {
                "weighted_sum": [
                    {"feature": "plus", "weight": 0.1},
                    {"feature": "high", "weight": 3},
                ]
            },
        },
        {"id": "capped", "compute": {"clamp": {"feature": "weighted", "min": 0.5, "max": 40}}},
    ]
    bins = [{"to": 1, "band": "A"}, {"from": 1, "to": 20, "band": "B"}, {"from": 20, "band": "C"}]
    rule = {"over": "capped", "monotonic": "decreasing", "bins": bins, "reason": reason("FINES")}
    catalogue = catalogue_with(
        tmp_path,
        rating(
            "edge_arithmetic",
            "market_regulation",
            [PENALTY],
            features=features,
            bands={"labels": ["A", "B", "C"], "rules": [rule]},
        ),
    )
    rows = [
        penalty(1, ON - timedelta(days=5), fine_amount=0.1, paid=True),
        penalty(2, ON - timedelta(days=6), fine_amount=0.2, paid=False),
        {**penalty(3, ON - timedelta(days=7), fine_amount=0.7, paid=True), "subject_id": 2},
        {**penalty(4, ON - timedelta(days=8), fine_amount=33.3, paid=False), "subject_id": 2},
        {**penalty(5, ON - timedelta(days=9), fine_amount=5, paid=False), "subject_id": 3},
    ]
    load_database(engine, rows)
    one, two, three = assert_agree(
        everywhere(
            engine,
            catalogue,
            catalogue.ratings["edge_arithmetic"],
            rows,
            ON,
            spark_for(engine, request),
        )
    )
    computed = ("plus", "spread", "low", "high", "weighted", "capped")
    assert [one.features[k] for k in computed] == [2.4, 0.1, 0.2, 2.0, 6.24, 6.24]
    assert [two.features[k] for k in computed] == [36.7, 32.6, 2.0, 32.6, 101.47, 40.0]
    assert (one.band, two.band) == ("B", "C")
    assert (three.features["plus"], three.band, three.reason) == (
        None,
        "not_rated",
        "missing_feature:paid_fine",
    )


def test_9_the_inspection_rating_is_the_same_everywhere_spark_included(
    engine: Engine, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    """Issue 15's inspection rating (tests/ratings/fhrs.py, a catalogue from an empty folder:
    computed total and worst component over three graded components) on every engine, Spark
    with the SQLite run: the published rule's ratings, a missing and a stale input not rated
    with their reasons (the property test is test_inspection_rating.py)."""
    from tests.ratings.fhrs import COMPONENTS, published, stale, write_catalogue
    from tests.ratings.fhrs import inspection as fhrs_inspection

    catalogue = load_catalogue(write_catalogue(tmp_path / "fhrs"))
    cases = [(0, 0, 0), (5, 5, 10), (10, 10, 10), (20, 15, 5), (25, 0, 0), (15, 20, 30)]
    recent = ON - timedelta(days=20)
    rows = [
        fhrs_inspection(i, i + 1, dict(zip(COMPONENTS, scores, strict=True)), recent)
        for i, scores in enumerate(cases)
    ]
    rows.append(fhrs_inspection(10, 10, {"hygiene": 5, "structure": 5}, recent))
    rows.append(stale(11, 11, {"hygiene": 5, "structure": 5, "confidence_in_management": 5}, ON))
    load_database(engine, rows)
    results = assert_agree(
        everywhere(
            engine, catalogue, catalogue.ratings["fhrs"], rows, ON, spark_for(engine, request)
        )
    )
    got = [(r.band, r.reason, r.features["total_score"]) for r in results]
    expected = [(published(*scores), None, float(sum(scores))) for scores in cases]
    expected += [("not_rated", "missing_feature:confidence_in_management", None)]
    expected += [("not_rated", "stale_assessment", None)]
    assert got == expected
