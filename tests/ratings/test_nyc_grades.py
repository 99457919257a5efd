"""The NYC restaurant letter grade, evaluated on the real inspections (2016-01-06 extract):
the rating of each establishment as of each graded inspection's date equals the official
grade on at least 99.9% of them, and no letter is given after any initial inspection scoring
14 or more. Mismatches are explained in docs/ratings.md.

The records are built in DuckDB the way mappings/nyc_restaurant_inspections.yaml ingests them
(one food_safety_inspection record per CSV row; programme and kind split from the inspection
type; in effect for the type's max_effect, an assessment's validity), and the compiled rating
runs on DuckDB over that extract.
"""

from __future__ import annotations

import pytest

from credo.catalog.catalogue import Catalogue
from credo.ratings.compiler import Probe
from credo.ratings.runners import DuckDBRunner
from credo.ratings.service import evaluate, source_for
from harness.data import NYC_FILE

DATA = NYC_FILE
GRADED = "('Cycle Inspection', 'Pre-permit (Operational)')"

RECORDS = f"""
CREATE TABLE rows AS
SELECT row_number() OVER () AS n, *,
       split_part(inspection_type, ' / ', 1) AS programme,
       split_part(inspection_type, ' / ', 2) AS inspection_kind
FROM read_csv('{{data}}', all_varchar = true) WHERE inspection_type IS NOT NULL;
CREATE TABLE record_current AS
SELECT CAST(camis AS BIGINT) AS subject_id,
       md5(camis || ':' || inspection_date || ':' || inspection_type || ':'
           || coalesce(violation_code, '') || ':' || n) AS record_id,
       md5(CAST(n AS VARCHAR)) AS chain_id,
       'food_safety_inspection' AS record_type, 'active' AS state,
       CAST(inspection_date AS DATE) AS occurred_on,
       CAST(inspection_date AS DATE) AS effective_from,
       CAST(CAST(inspection_date AS DATE) + INTERVAL {{effect}} AS DATE) AS effect_until,
       CAST(CAST(inspection_date AS DATE) + INTERVAL 5 YEAR AS DATE) AS expires_on,
       'final' AS finality,
       CAST(json_object('programme', programme, 'inspection_kind', inspection_kind,
                        'score', TRY_CAST(score AS INTEGER), 'grade', grade) AS VARCHAR)
           AS payload
FROM rows;
CREATE TABLE record_suppressions (chain_id VARCHAR, closed_at TIMESTAMP);
CREATE TABLE inspections AS
SELECT DISTINCT CAST(camis AS BIGINT) AS subject_id, CAST(inspection_date AS DATE) AS as_of,
       inspection_kind, TRY_CAST(score AS INTEGER) AS score, grade
FROM rows WHERE programme IN {GRADED};
CREATE TABLE probe AS SELECT DISTINCT subject_id, as_of FROM inspections;
"""


def records_sql(catalogue: Catalogue, data: object) -> str:
    """The extract's statements: an inspection is an assessment, in effect for the record
    type's max_effect (a year), as the write path stamps it."""
    max_effect = catalogue.record_types["food_safety_inspection"].max_effect
    unit = {"d": "DAY", "m": "MONTH", "y": "YEAR"}[max_effect.unit]
    return RECORDS.format(data=data, effect=f"{max_effect.amount} {unit}")


@pytest.mark.slow
def test_nyc_letter_grades_match_the_official_grades(catalogue: Catalogue) -> None:
    if not DATA.exists():
        pytest.skip(f"{DATA} is not on this machine")
    runner = DuckDBRunner()
    runner.con.execute(records_sql(catalogue, DATA))
    rating = catalogue.ratings["nyc_restaurant_grade"]
    results = evaluate(runner, rating, Probe(table="probe"), source_for(catalogue))
    band = {(r.subject_id, r.as_of): r.band for r in results}
    inspections = runner.con.sql(
        "SELECT subject_id, as_of, inspection_kind, score, grade FROM inspections"
    ).fetchall()

    graded = [i for i in inspections if i[4] in ("A", "B", "C")]
    matches = sum(band[(i[0], i[1])] == i[4] for i in graded)
    rate = matches / len(graded)
    failing_initials = [
        i for i in inspections if i[2] == "Initial Inspection" and (i[3] or 0) >= 14
    ]
    lettered = [i for i in failing_initials if band[(i[0], i[1])] in ("A", "B", "C")]
    print(
        f"\nNYC letter grade: {matches}/{len(graded)} graded inspections match "
        f"({rate:.4%}); initial inspections scoring >= 14: {len(failing_initials)}, "
        f"given a letter: {len(lettered)}"
    )
    assert rate >= 0.999
    assert lettered == []
