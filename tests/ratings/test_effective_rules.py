"""The compiled SQL applies the same effect rules as records.repository.effective_records
(state, in force, retention, finality, suppressions), and point-in-time evaluation as known
then differs from today's knowledge exactly where a later statement changed things."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select

from credo.catalog.catalogue import Catalogue
from credo.catalog.ratings import RatingDef
from credo.clock import FixedClock
from credo.ratings.compiler import Probe, compile_contributions
from credo.ratings.runners import DatabaseRunner
from credo.ratings.service import evaluate_subject, history, source_for
from credo.records.repository import effective_records
from credo.subjects.tables import subject_identifiers
from tests.ratings.conftest import Writer, arrears, tax_grade
from tests.ratings.golden import load_golden

EVERYTHING = RatingDef.model_validate(
    {
        "id": "everything",
        "name": {"en": "all records", "zh": "全部"},
        "purpose": "test: one count over every input record",
        "domain": "tax",
        "subject_kinds": ["organisation"],
        "inputs": ["tax_arrears", "tax_credit_grade"],
        "features": [
            {"id": "n", "op": "count", "record_types": ["tax_arrears", "tax_credit_grade"]}
        ],
        "bands": {
            "labels": ["x"],
            "rules": [{"over": "n", "monotonic": "none", "bins": [{"band": "x"}]}],
        },
    }
)


def test_compiled_sql_selects_exactly_the_effective_records(
    writer: Writer, engine: Engine, catalogue: Catalogue
) -> None:
    load_golden(writer, engine)
    with engine.connect() as conn:
        runner = DatabaseRunner(conn)
        subjects = [1, 2, 3]
        for day in range(0, 900, 13):
            on = date(2024, 1, 1) + timedelta(days=day)
            sql = compile_contributions(
                EVERYTHING,
                runner.dialect,
                Probe(as_of=on, subject_ids=tuple(subjects)),
                source_for(catalogue),
            )
            compiled = {r["record_id"] for r in runner.rows(sql)}
            expected = {
                r["record_id"] for r in effective_records(conn, subjects, on, EVERYTHING.inputs)
            }
            assert compiled == expected, on


def test_a_later_correction_shows_as_known_then_and_as_known_now(
    writer: Writer, engine: Engine, catalogue: Catalogue, clock: FixedClock
) -> None:
    rating = catalogue.ratings["tax_credit_grade"]
    writer.write(tax_grade("TG-7", 7, "2025-01-05", "B"))
    writer.write(arrears("AR-7", 7, "2026-02-01", 150000, days=120))
    first_known = clock.now()
    clock.advance(days=10)
    # The tax office corrects the amount and the overdue days ten days later.
    writer.write(arrears("AR-7", 7, "2026-02-01", 500, days=5, revision=1, action="correct"))
    with engine.connect() as conn:
        subject = conn.execute(
            select(subject_identifiers.c.subject_id).where(
                subject_identifiers.c.value == "CP-000007"
            )
        ).scalar_one()
        on = date(2026, 3, 1)
        then = evaluate_subject(conn, catalogue, rating, subject, on, known_at=first_known)
        now = evaluate_subject(conn, catalogue, rating, subject, on)
        before_anything = evaluate_subject(
            conn, catalogue, rating, subject, on, known_at=first_known - timedelta(days=1)
        )
        story = history(conn, catalogue, rating, subject)
    assert (then["band"], now["band"]) == ("C", "A")
    assert before_anything["band"] == "not_rated"
    assert then["knowledge"] == "as_known_then" and now["knowledge"] == "today"
    assert any(e["revised"] for e in story["entries"])
    # Event dates, not load dates: the grade of 2025-01-05, loaded on 2026-03-01, shows on its
    # own day, and the registry did not know it then.
    first = story["entries"][0]
    assert first["as_of"] == "2025-01-05"
    assert first["band_as_known_then"] == "not_rated" and first["revised"]
    assert datetime.fromisoformat(story["entries"][0]["known_at"]).tzinfo == UTC
