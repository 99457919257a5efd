"""Issue 15's must-show: a three-component food-hygiene inspection rating (UK FHRS style) built
from an empty folder (tests/ratings/fhrs.py): components on declared grids, the total a
computed sum, the cap a computed maximum. Checked against the published rule in plain Python
on every grid point (DuckDB, Polars, the Python of explanations) and on generated histories
(SQLite and PostgreSQL in batch and in real time, DuckDB, Polars, Python); Spark runs the
same rating in test_engine_agreement.py. Reasons are the ones that moved the band (none for
the best), counterfactuals the nearest value on the grid (G-36); a missing or stale input is
not rated with its reason; an off-grid score is quarantined at ingestion with a one-line
reason."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import product
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from credo.catalog.catalogue import Catalogue
from credo.catalog.loader import load_catalogue
from credo.catalog.ratings import RatingDef, feature_grids
from credo.clock import FixedClock
from credo.ingest.mapping import load_mapping
from credo.ingest.service import IngestRequest, ingest_file
from credo.ingest.tables import quarantine
from credo.ratings import explain
from credo.ratings.compiler import Probe
from credo.ratings.polars_lowering import records_frame
from credo.ratings.runners import DuckDBRunner
from credo.ratings.service import evaluate, evaluate_polars, source_for
from credo.records.service import WriteContext, nothing_held
from tests.ratings.agreement import NOW, arrow_tables, assert_agree, everywhere
from tests.ratings.fhrs import (
    COMPONENTS,
    GRIDS,
    HYGIENE,
    LABELS,
    MANAGEMENT,
    STRUCTURE,
    cap_rating,
    inspection,
    published,
    stale,
    total_rating,
    write_catalogue,
)
from tests.ratings.test_engine_differential import store

ON = date(2026, 3, 1)
RECENT = ON - timedelta(days=30)


@pytest.fixture(scope="module")
def fhrs_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Catalogue:
    return load_catalogue(write_catalogue(tmp_path_factory.mktemp("empty") / "catalogue"))


def rating_of(catalogue: Catalogue) -> RatingDef:
    return catalogue.ratings["fhrs"]


def scores_of(features: dict[str, Any]) -> tuple[int, int, int]:
    hygiene, structure, management = (int(features[c]) for c in COMPONENTS)
    return hygiene, structure, management


def check_explanation(catalogue: Catalogue, features: dict[str, Any], band: str) -> None:
    """Reasons: nothing for the best band; otherwise the components that moved the band, with
    words, under the rules that set the band only, and the band better without them. The
    counterfactual: the nearest grid value of one component that gives a better band, true
    "or lower" (every value beyond it on the grid does too); none only when no single
    component can."""
    rating = rating_of(catalogue)
    scores = dict(zip(COMPONENTS, scores_of(features), strict=True))
    rank = int(band)
    given = explain.reasons(rating, features, band)
    if band == LABELS[0]:
        assert given == [], given  # no "-5" reasons for the best band
    else:
        assert given and all(r["text"]["en"] and r["text"]["zh"] for r in given), given
        named = {r["feature"] for r in given}
        assert named <= set(COMPONENTS) and all(scores[n] > 0 for n in named), given
        total, cap = total_rating(*scores.values()), cap_rating(*scores.values())
        rules = (("FHRS_TOTAL", total), ("FHRS_WORST_COMPONENT", cap))
        setting = {code for code, rating in rules if rating == rank}
        assert {r["code"] for r in given} == setting, given  # only the rules that set the band
        without = {c: 0 if c in named else v for c, v in scores.items()}
        assert int(published(*without.values())) > rank, (scores, given)
    change = explain.counterfactual(
        rating, features, band, feature_grids(catalogue.record_types, rating)
    )
    better = [
        (abs(v - scores[c]), c, v)
        for c in COMPONENTS
        for v in GRIDS[c]
        if int(published(*{**scores, c: v}.values())) > rank
    ]
    if not better:
        assert change is None, change
        return
    assert change is not None, scores
    feature, to = change["feature"], change["to"]
    assert to in GRIDS[feature] and abs(to - scores[feature]) == min(better)[0], (scores, change)
    assert int(change["band"]) == int(published(*{**scores, feature: int(to)}.values())) > rank
    beyond = [v for v in GRIDS[feature] if (v < to if to < scores[feature] else v > to)]
    assert all(int(published(*{**scores, feature: v}.values())) > rank for v in beyond)
    word = "lower" if to < scores[feature] else "higher"
    assert change["statement"]["en"] == f"{feature} of {to:g} or {word} would give {change['band']}"


def test_every_grid_point_gives_the_published_rating_with_reasons_that_moved_it(
    fhrs_catalogue: Catalogue,
) -> None:
    """All 180 combinations of the three grids, one establishment each, on DuckDB, Polars and
    the Python of explanations."""
    rating = rating_of(fhrs_catalogue)
    combinations = list(product(HYGIENE, STRUCTURE, MANAGEMENT))
    rows = [
        {**inspection(i, i + 1, dict(zip(COMPONENTS, triple, strict=True)), RECENT)}
        for i, triple in enumerate(combinations)
    ]
    tables = arrow_tables(rows)
    source, probe = source_for(fhrs_catalogue), Probe(as_of=ON)
    duck = DuckDBRunner()
    duck.load(tables)
    on_duckdb = evaluate(duck, rating, probe, source)
    assert on_duckdb == evaluate_polars(rating, records_frame(tables), probe, source)
    assert len(on_duckdb) == len(combinations)
    for result, triple in zip(on_duckdb, combinations, strict=True):
        assert result.band == published(*triple), (triple, result)
        assert result.features["total_score"] == sum(triple)
        assert result.features["worst_component"] == max(triple)
        assert explain.band_of(rating, result.features).band == result.band
        check_explanation(fhrs_catalogue, result.features, result.band)


def test_the_explanation_reads_as_the_published_rule_says(fhrs_catalogue: Catalogue) -> None:
    """Hygiene 20, structure 15, management 5: total 40 gives 2, the worst component (20)
    caps it at 1. Only the cap set the band: it is named with the components above the 5 that
    the best rating allows, largest first (management's 5 is not named, nor the total, which
    gave a better band); hygiene 15 would give 2."""
    rating = rating_of(fhrs_catalogue)
    features = {"hygiene": 20.0, "structure": 15.0, "confidence_in_management": 5.0}
    outcome = explain.band_of(rating, features)
    assert outcome.band == published(20, 15, 5) == "1"
    given = [(r["code"], r["feature"], r["value"]) for r in explain.reasons(rating, features, "1")]
    assert given == [
        ("FHRS_WORST_COMPONENT", "hygiene", 20.0),
        ("FHRS_WORST_COMPONENT", "structure", 15.0),
    ]
    change = explain.counterfactual(
        rating, features, "1", feature_grids(fhrs_catalogue.record_types, rating)
    )
    assert change is not None
    assert (change["feature"], change["to"], change["band"]) == ("hygiene", 15.0, "2")
    assert change["statement"]["en"] == "hygiene of 15 or lower would give 2"
    best = {"hygiene": 5.0, "structure": 5.0, "confidence_in_management": 5.0}
    assert explain.band_of(rating, best).band == "5"
    assert explain.reasons(rating, best, "5") == []  # no reasons of -5 for the best rating


KINDS = ("plain", "superseded", "missing", "stale")


@st.composite
def establishments(draw: Any) -> list[tuple[str, tuple[int, int, int], str]]:
    """Per establishment: what happened, its latest scores, and (missing) which is left out."""
    found = []
    for _ in range(draw(st.integers(1, 8))):
        triple = (
            draw(st.sampled_from(HYGIENE)),
            draw(st.sampled_from(STRUCTURE)),
            draw(st.sampled_from(MANAGEMENT)),
        )
        found.append((draw(st.sampled_from(KINDS)), triple, draw(st.sampled_from(COMPONENTS))))
    return found


def history(cases: list[tuple[str, tuple[int, int, int], str]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for subject, (kind, triple, left_out) in enumerate(cases, start=1):
        scores = dict(zip(COMPONENTS, triple, strict=True))
        index = 2 * subject
        if kind == "superseded":  # an earlier inspection with the worst scores
            worst = {c: max(GRIDS[c]) for c in COMPONENTS}
            rows.append(inspection(index + 1, subject, worst, RECENT - timedelta(days=90)))
        if kind == "missing":
            scores.pop(left_out)
        maker = stale(index, subject, scores, ON) if kind == "stale" else None
        rows.append(maker or inspection(index, subject, scores, RECENT))
    return [{**row, "suppressed": False} for row in rows]


@settings(
    max_examples=4,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(establishments())
def test_generated_inspections_match_the_published_rule_on_every_engine(
    engine: Engine,
    fhrs_catalogue: Catalogue,
    cases: list[tuple[str, tuple[int, int, int], str]],
) -> None:
    """Every engine agrees (SQLite or PostgreSQL in batch and real time, DuckDB, Polars,
    Python) and gives the published rating of the latest inspection; a missing component is
    not rated with missing_feature:<component>, a stale inspection with stale_assessment."""
    rows = history(cases)
    store(engine, rows)
    rating = rating_of(fhrs_catalogue)
    results = assert_agree(everywhere(engine, fhrs_catalogue, rating, rows, ON))
    assert [r.subject_id for r in results] == list(range(1, len(cases) + 1))
    for result, (kind, triple, left_out) in zip(results, cases, strict=True):
        expected = {
            "missing": ("not_rated", f"missing_feature:{left_out}"),
            "stale": ("not_rated", "stale_assessment"),
        }.get(kind, (published(*triple), None))
        assert (result.band, result.reason) == expected, (kind, triple, result)
        given = explain.reasons(rating, result.features, result.band, result.reason)
        if result.reason is not None:
            assert [r["code"] for r in given] == [result.reason]
        else:
            check_explanation(fhrs_catalogue, result.features, result.band)


MAPPING = """
furnisher: food_authority
record_type: hygiene_inspection
subject:
  kind: organisation
  identifiers:
    - {column: establishment, scheme: fhrs_id}
source_ref: {template: "{establishment}:{inspected_on}"}
occurred_on: inspected_on
payload:
  hygiene: {column: hygiene}
  structure: {column: structure}
  confidence_in_management: {column: management}
evidence:
  kind: inspection_report
  document_id: "{establishment}:{inspected_on}"
  issuer: "Local food authority"
  issued_on: inspected_on
provenance: {kind: inspection}
"""


def test_an_off_grid_score_is_quarantined_at_ingestion_with_a_one_line_reason(
    engine: Engine, fhrs_catalogue: Catalogue, tmp_path: Path
) -> None:
    """Hygiene 7 (its grid steps by 5) and management 15 (not among 0, 5, 10, 20, 30) are
    refused, each quarantined with the reason; the on-grid row is accepted."""
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    lines = [
        "establishment,inspected_on,hygiene,structure,management",
        "FB-000001,2026-01-10,10,5,20",
        "FB-000002,2026-01-11,7,5,20",
        "FB-000003,2026-01-12,10,5,15",
    ]
    data = tmp_path / "inspections.csv"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping, content = load_mapping(tmp_path / "mapping.yaml")
    request = IngestRequest(data, mapping, content, "mapping.yaml")
    context = WriteContext(fhrs_catalogue, FixedClock(NOW), holds=nothing_held)
    result = ingest_file(engine, context, request)
    assert result.add_up()
    assert (result.counts["accepted"], result.counts["quarantined"]) == (1, 2), result.counts
    with engine.connect() as conn:
        kept = conn.execute(
            select(quarantine.c.row_number, quarantine.c.reason_code, quarantine.c.detail)
        ).all()
    details = {row_number: (code, detail) for row_number, code, detail in kept}
    assert details == {  # file lines: the header is line 1
        3: (
            "payload_invalid",
            "payload.hygiene: 7 is off the field's grid: it must be a multiple of 5 from 0",
        ),
        4: (
            "payload_invalid",
            "payload.confidence_in_management: 15 is off the field's grid: "
            "it must be one of 0, 5, 10, 20, 30",
        ),
    }
