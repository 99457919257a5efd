"""Every pending or not-rated result carries a reason, the same on every engine and in the
Python rendering of the banding; a stale assessment says so; a subject with no input in effect
says so; explanations of not-rated results are never empty; the catalogue bounds an
assessment type by the profile's assessment_validity; the reasons are stored (migration 0010).
"""

from __future__ import annotations

import shutil
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, inspect
from typer.testing import CliRunner

from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.catalog.ratings import NOT_RATED, PENDING, RatingDef
from credo.cli.main import app as cli_app
from credo.clock import FixedClock
from credo.db.metadata import import_all_tables
from credo.db.migrate import downgrade, upgrade
from credo.errors import CatalogueError
from credo.ratings import banding, repository
from credo.ratings.compiler import Probe, compile_inputs
from credo.ratings.explain import band_of, looked_at
from credo.ratings.runners import DatabaseRunner, DuckDBRunner, Runner
from credo.ratings.service import (
    RatingResult,
    evaluate,
    evaluate_subject,
    rescore,
    source_for,
)
from credo.records.effect import EffectRule
from credo.settings import DEMO_CATALOG
from tests.ratings.conftest import Writer
from tests.ratings.golden import EXPECTED, EXPECTED_REASONS, load_golden, subject_numbers
from tests.ratings.test_engines_property import AS_OF, record_sets, tables_of

TODAY = date(2026, 3, 1)


def python_outcome(
    runner: Runner, catalogue: Catalogue, rating_id: str, result: RatingResult
) -> tuple[Any, ...]:
    """The result re-derived by banding's Python rendering, with the evidence (records in
    effect, assessments ended) computed in Python from the subject's input records."""
    rating = catalogue.ratings[rating_id]
    source = source_for(catalogue)
    probe = Probe(as_of=result.as_of, subject_ids=(result.subject_id,))
    rows = runner.rows(compile_inputs(rating, runner.dialect, probe, source))
    _, evidence = looked_at(rating, rows, result.as_of, EffectRule(source.pending_appeal_types))
    outcome = band_of(rating, result.features, evidence, source.assessment_types)
    return outcome.band, outcome.total, outcome.reason


@settings(max_examples=30, deadline=None)
@given(record_sets(), st.sampled_from([AS_OF, AS_OF - timedelta(days=200)]))
def test_python_banding_gives_the_engines_bands_and_reasons(
    catalogue: Catalogue, rows: list[dict[str, Any]], as_of: date
) -> None:
    """Random records (any state, finality, dates, suppressions): the Python rendering of the
    banding, fed with Python's evidence, equals the compiled SQL on DuckDB (which equals Polars
    and the databases: test_engines_property, test_golden)."""
    tables = tables_of([{**r, "end_reason": "period_ended"} for r in rows])
    duck = DuckDBRunner()
    duck.load(tables)
    source = source_for(catalogue)
    rule = EffectRule(source.pending_appeal_types)
    for rating in catalogue.ratings.values():
        probe = Probe(as_of=as_of)
        inputs: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for row in duck.rows(compile_inputs(rating, "duckdb", probe, source)):
            inputs[int(row["subject_id"])].append(row)
        for result in evaluate(duck, rating, probe, source):
            assert (result.band in (PENDING, NOT_RATED)) == (result.reason is not None)
            _, evidence = looked_at(rating, inputs[result.subject_id], as_of, rule)
            outcome = band_of(rating, result.features, evidence, source.assessment_types)
            assert (outcome.band, outcome.total, outcome.reason) == (
                result.band,
                result.total,
                result.reason,
            ), (rating.id, result)


def test_the_plan_is_data_rendered_three_ways(catalogue: Catalogue) -> None:
    rating = catalogue.ratings["nyc_restaurant_grade"]
    plan = banding.plan(rating, ("food_safety_inspection",))
    assert plan.stale_features == ("last_score", "last_kind")
    assert "GREATEST(c_0, c_1, c_2, c_3, c_4)" in banding.sql(plan.band_code)
    row = {"f_last_score": None, "f_last_kind": None, "f_last_graded_kind": None}
    row |= {"any_live": 1, "s_last_score": 1, "s_last_kind": 1}
    decision = banding.decide(plan, row, lambda points: None)
    assert (decision.band, decision.reason) == ("not_rated", "stale_assessment")
    decision = banding.decide(plan, {**row, "s_last_score": 0}, lambda points: None)
    assert decision.reason == "missing_feature:last_score"
    decision = banding.decide(plan, {**row, "any_live": 0, "s_last_score": 0}, lambda p: None)
    assert decision.reason == "no_inputs"


# -- through the registry (SQLite and PostgreSQL) --------------------------------------------


def _ids(conn: Connection) -> dict[int, int]:
    return {number: subject_id for subject_id, number in subject_numbers(conn).items()}


def test_explanations_of_not_rated_results_are_never_empty(
    writer: Writer, engine: Engine, catalogue: Catalogue
) -> None:
    load_golden(writer, engine)
    with engine.connect() as conn:
        ids = _ids(conn)
        runner = DatabaseRunner(conn)
        for (rating_id, number, on), band in EXPECTED.items():
            rating = catalogue.ratings[rating_id]
            body = evaluate_subject(conn, catalogue, rating, ids[number], on)
            assert body["band"] == band
            if band not in (PENDING, NOT_RATED):
                assert body["reason"] is None
                continue
            key = (rating_id, number, on)
            assert body["reason"] == EXPECTED_REASONS.get(key, body["reason"]) is not None
            assert body["reason_text"]["en"] and body["reason_text"]["zh"]
            assert body["reasons"][0]["code"] == body["reason"]
            assert body["looked_at"], key  # every golden subject has input records
            for record in body["looked_at"]:
                assert record["in_effect"] == (record["why_not"] is None)
            result = RatingResult(
                ids[number], on, body["features"], [], body["total"], band, body["reason"]
            )
            assert python_outcome(runner, catalogue, rating_id, result) == (
                band,
                body["total"],
                body["reason"],
            )


def test_a_stale_assessment_says_so(writer: Writer, engine: Engine, catalogue: Catalogue) -> None:
    load_golden(writer, engine)
    with engine.connect() as conn:
        subject = _ids(conn)[14]
        body = evaluate_subject(
            conn, catalogue, catalogue.ratings["food_safety_grade"], subject, TODAY
        )
        earlier = evaluate_subject(
            conn, catalogue, catalogue.ratings["food_safety_grade"], subject, date(2024, 6, 1)
        )
    assert (body["band"], body["reason"]) == ("not_rated", "stale_assessment")
    [record] = body["looked_at"]
    assert (record["in_effect"], record["why_not"]) == (False, "period_ended")
    assert record["effect_until"] == "2025-03-01"  # a year, within assessment_validity
    assert earlier["band"] == "5" and earlier["reason"] is None


def test_no_input_in_effect_says_so(writer: Writer, engine: Engine, catalogue: Catalogue) -> None:
    load_golden(writer, engine)
    rating = catalogue.ratings["food_safety_grade"]
    with engine.connect() as conn:
        ids = _ids(conn)
        annulled = evaluate_subject(conn, catalogue, rating, ids[15], TODAY)
        # A taxpayer has no inspection at all: not even a row in the query's result.
        none = evaluate_subject(conn, catalogue, rating, ids[1], TODAY)
    assert (annulled["band"], annulled["reason"]) == ("not_rated", "no_inputs")
    assert [r["why_not"] for r in annulled["looked_at"]] == ["annulled"]
    assert (none["band"], none["reason"], none["looked_at"]) == ("not_rated", "no_inputs", [])
    assert none["reasons"] and none["reasons"][0]["text"]["en"]


def test_reasons_are_stored_in_state_and_snapshots(
    writer: Writer, engine: Engine, catalogue: Catalogue, clock: FixedClock
) -> None:
    load_golden(writer, engine)  # the write path's hooks keep rating_state, as of today
    with engine.connect() as conn:
        ids = _ids(conn)
        state = {
            s["subject_id"]: s["reason"] for s in repository.state_rows(conn, "food_safety_grade@1")
        }
    assert state[ids[14]] == "stale_assessment"
    assert state[ids[15]] == "no_inputs"
    assert state[ids[11]] is None
    for name in ("polars", "duckdb"):
        summaries = rescore(engine, catalogue, engine_name=name, as_of=TODAY, now=clock.now())
        food = next(s for s in summaries if s.rating == "food_safety_grade@1")
        assert food.status == "valid"
        assert food.reasons == {"no_inputs": 1, "stale_assessment": 1}
        with engine.connect() as conn:
            stored = {
                r["subject_id"]: r["reason"]
                for r in repository.snapshot_results(conn, food.snapshot_id)
            }
        assert stored == state


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_eval_shows_the_reason_and_the_records(
    writer: Writer, engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_golden(writer, engine)
    monkeypatch.setenv("CREDO_DATABASE_URL", database_url)
    args = ["rating", "eval", "nyc_restaurant_grade", "--subject", "nyc_camis:40000014"]
    result = CliRunner().invoke(cli_app, [*args, "--as-of", "2026-03-01"])
    assert result.exit_code == 0, result.output
    body = orjson.loads(result.stdout)
    print(result.stdout)
    assert (body["band"], body["reason"]) == ("not_rated", "stale_assessment")
    assert body["looked_at"][0]["why_not"] == "period_ended"


# -- the catalogue ---------------------------------------------------------------------------


def _with_inspection(tmp_path: Path, **changes: Any) -> Path:
    folder = tmp_path / "catalogue"
    shutil.copytree(DEMO_CATALOG, folder)
    path = folder / "record_types.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    for item in document["record_types"]:
        if item["id"] == "food_safety_inspection":
            item.update(changes)
            for key in [k for k, v in changes.items() if v is None]:
                del item[key]
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    return folder


def _problems(folder: Path) -> list[str]:
    with pytest.raises(CatalogueError) as caught:
        load_catalogue(folder)
    return [str(p) for p in caught.value.problems]


def test_an_assessment_beyond_the_validity_is_refused(tmp_path: Path) -> None:
    found = _problems(_with_inspection(tmp_path, max_effect="4y"))
    assert any(
        "record_types[food_safety_inspection].max_effect" in p and "assessment validity of 3y" in p
        for p in found
    ), found


def test_an_assessment_is_bounded_by_the_validity_not_the_tier(tmp_path: Path) -> None:
    assert (
        load_catalogue(_with_inspection(tmp_path, max_effect="3y"))
        .record_types["food_safety_inspection"]
        .assessment
    )
    found = _problems(_with_inspection(tmp_path / "b", assessment=None))
    assert any("1y exceeds the CN ceiling of 3m for the minor tier" in p for p in found), found


# -- migration 0010 --------------------------------------------------------------------------


def test_0010_matches_the_tables_and_round_trips(database_url: str, engine: Engine) -> None:
    metadata = import_all_tables()
    mine = ("rating_state", "rating_snapshot_results")
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diff if any(t in str(d) for t in mine)] == []
    downgrade(database_url, "0009")
    for table in mine:
        assert "reason" not in {c["name"] for c in inspect(engine).get_columns(table)}
    upgrade(database_url)
    for table in mine:
        assert "reason" in {c["name"] for c in inspect(engine).get_columns(table)}


def test_a_rule_over_an_empty_value_is_never_skipped(catalogue: Catalogue) -> None:
    """Issue 15: a banding rule whose value is missing (its `when` or `by` feature, its feature,
    a computed feature over a missing one) gives what the missing value means, pending or not
    rated, instead of being skipped; the reason names the missing feature."""
    rating = catalogue.ratings["nyc_restaurant_grade"]
    plan = banding.plan(rating)
    reopening = next(a for a in plan.atoms if a.rule == 1)  # when last_kind is a reopening
    row = {"f_last_score": 3.0, "f_last_kind": None, "f_last_graded_kind": "Re-inspection"}
    assert banding.evaluate(reopening.code, row) == banding.NOT_RATED_CODE
    row = {**row, "f_last_kind": "Reopening Inspection", "f_last_graded_kind": None}
    assert banding.evaluate(reopening.code, row) == banding.PENDING_CODE  # by: pending missing
    code = {**row, banding.BAND_CODE: banding.PENDING_CODE}
    assert banding.evaluate(reopening.reason, code) == "missing_feature:last_graded_kind"
    from tests.ratings.fhrs import CATALOGUE

    fhrs = RatingDef.model_validate(CATALOGUE["ratings.yaml"]["ratings"][0])
    plan = banding.plan(fhrs)
    empty = {"f_hygiene": None, "f_structure": 5.0, "f_confidence_in_management": 5.0}
    empty |= {"f_total_score": None, "f_worst_component": None}
    for atom in (a for a in plan.atoms if a.rule is not None):
        assert banding.evaluate(atom.code, empty) == banding.NOT_RATED_CODE
    decision = banding.decide(plan, {**empty, "any_live": 1}, lambda points: None)
    assert (decision.band, decision.reason) == ("not_rated", "missing_feature:hygiene")
