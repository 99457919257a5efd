"""The golden suite: the same records and the same compiled ratings give the expected bands
and reasons, and identical full results (reasons included), on SQLite, PostgreSQL, DuckDB,
Polars and Spark."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from credo.catalog.catalogue import Catalogue
from credo.ratings.compiler import Probe
from credo.ratings.explain import band_of
from credo.ratings.polars_lowering import records_frame
from credo.ratings.runners import DatabaseRunner, DuckDBRunner, Runner, SparkRunner
from credo.ratings.service import RatingResult, evaluate, evaluate_polars, source_for
from credo.records.queries import extract_tables
from tests.ratings.conftest import Writer
from tests.ratings.golden import (
    DATES,
    EXPECTED,
    EXPECTED_REASONS,
    load_golden,
    subject_numbers,
)

Results = dict[tuple[str, int, date], RatingResult]


def run_all(runner: Runner, catalogue: Catalogue, numbers: dict[int, int]) -> Results:
    found: Results = {}
    for rating in catalogue.ratings.values():
        for as_of in DATES:
            probe = Probe(as_of=as_of)
            for result in evaluate(runner, rating, probe, source_for(catalogue)):
                found[(rating.id, numbers[result.subject_id], as_of)] = result
    return found


def assert_expected(results: Results) -> None:
    got = {key: results[key].band if key in results else "absent" for key in EXPECTED}
    assert got == EXPECTED
    reasons = {key: results[key].reason for key in EXPECTED_REASONS}
    assert reasons == EXPECTED_REASONS
    for key, result in results.items():  # a reason for every pending or not rated, only them
        assert (result.band in ("pending", "not_rated")) == (result.reason is not None), key


def assert_python_agrees(catalogue: Catalogue, results: Results) -> None:
    """The explanation code's re-derivation of bands agrees with the SQL on every result."""
    for (rating_id, _, _), result in results.items():
        outcome = band_of(catalogue.ratings[rating_id], result.features)
        assert (outcome.band, outcome.total) == (result.band, result.total)


@pytest.fixture
def golden(writer: Writer, engine: Engine, catalogue: Catalogue) -> tuple[Results, Any]:
    load_golden(writer, engine)
    with engine.connect() as conn:
        numbers = subject_numbers(conn)
        results = run_all(DatabaseRunner(conn), catalogue, numbers)
        types = sorted({t for r in catalogue.ratings.values() for t in r.inputs})
        tables = extract_tables(conn, types)
    return results, (tables, numbers)


def test_golden_on_the_database(golden: tuple[Results, Any], catalogue: Catalogue) -> None:
    results, _ = golden
    assert_expected(results)
    assert_python_agrees(catalogue, results)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_golden_on_duckdb_matches_the_database(
    golden: tuple[Results, Any], catalogue: Catalogue
) -> None:
    results, (tables, numbers) = golden
    runner = DuckDBRunner()
    runner.load(tables)
    on_duckdb = run_all(runner, catalogue, numbers)
    assert_expected(on_duckdb)
    assert on_duckdb == results


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_golden_on_polars_matches_the_database(
    golden: tuple[Results, Any], catalogue: Catalogue
) -> None:
    results, (tables, numbers) = golden
    records = records_frame(tables)
    on_polars: Results = {}
    for rating in catalogue.ratings.values():
        for as_of in DATES:
            probe = Probe(as_of=as_of)
            for result in evaluate_polars(rating, records, probe, source_for(catalogue)):
                on_polars[(rating.id, numbers[result.subject_id], as_of)] = result
    assert_expected(on_polars)
    assert on_polars == results


@pytest.mark.spark
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_golden_on_spark_matches_the_database(
    golden: tuple[Results, Any], catalogue: Catalogue, spark: Any
) -> None:
    results, (tables, numbers) = golden
    runner = SparkRunner(spark)
    runner.load(tables)
    on_spark = run_all(runner, catalogue, numbers)
    assert_expected(on_spark)
    assert on_spark == results
