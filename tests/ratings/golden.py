"""The golden cases: one set of records and the expected band of every demo rating on several
dates. The same cases run unchanged on SQLite, PostgreSQL, DuckDB and Spark."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select

from credo.records.tables import record_current, record_suppressions
from tests.ratings.conftest import (
    Writer,
    arrears,
    debarment,
    inspection,
    licence,
    tax_grade,
)

DATES = (date(2025, 10, 1), date(2025, 10, 20), date(2026, 3, 1))


def golden_rows() -> list[dict[str, Any]]:
    return [
        # 1: a good taxpayer with one small recent arrears.
        tax_grade("TG-1", 1, "2025-01-10", "B"),
        arrears("AR-1", 1, "2025-12-01", 5000),
        # 2: graded D last year (caps at B), two large arrears overdue > 90 days.
        tax_grade("TG-2", 2, "2025-06-01", "D"),
        arrears("AR-2a", 2, "2026-01-01", 60000, days=120),
        arrears("AR-2b", 2, "2026-02-01", 60000, days=120),
        # 3: arrears that were revoked, appealed (not final), expired, or disputed: no effect.
        tax_grade("TG-3", 3, "2025-06-01", "A"),
        arrears("AR-3a", 3, "2026-01-05", 90000, days=200),
        arrears("AR-3a", 3, "2026-01-05", 90000, days=200, revision=1, action="revoke"),
        arrears("AR-3b", 3, "2026-01-06", 90000, days=200, finality="appealed"),
        arrears("AR-3c", 3, "2024-12-01", 90000, days=200),
        arrears("AR-3d", 3, "2026-01-07", 90000, days=200),
        # 4: a supplier debarred for collusion two years ago.
        licence("LIC-4", 4, "2023-01-01"),
        debarment("DB-4", 4, "2024-03-01", "collusion", 12),
        # 5: a supplier with a short, old non-performance debarment.
        licence("LIC-5", 5, "2023-01-01"),
        debarment("DB-5", 5, "2023-06-01", "non_performance", 3),
        # 11: a restaurant: initial 20 (pending), re-inspection 16 (B).
        inspection("IN-11a", 11, "2025-10-01", "Initial Inspection", 20),
        inspection("IN-11b", 11, "2025-10-20", "Re-inspection", 16),
        # 12: a restaurant: initial 9 (A), then a non-graded programme that must not count.
        inspection("IN-12a", 12, "2025-09-15", "Initial Inspection", 9),
        inspection(
            "IN-12b", 12, "2025-10-10", "Initial Inspection", 40, programme="Smoke-Free Air Act"
        ),
        # 13: re-inspection 31 (C) and a reopening.
        inspection("IN-13a", 13, "2025-09-01", "Initial Inspection", 35),
        inspection("IN-13b", 13, "2025-09-20", "Re-inspection", 31),
        inspection("IN-13c", 13, "2025-10-15", "Reopening Inspection", 0),
        # 14: one inspection, long ago: its grade has passed its validity (stale assessment).
        inspection("IN-14a", 14, "2024-03-01", "Initial Inspection", 9),
        # 15: its only inspection was annulled: no input record in effect.
        inspection("IN-15a", 15, "2025-09-01", "Initial Inspection", 9),
        {
            **inspection("IN-15a", 15, "2025-09-01", "Initial Inspection", 9),
            "revision": 1,
            "action": "revoke",
        },
        # 16: only a programme the letter grade does not read: the score it needs is missing.
        inspection(
            "IN-16a", 16, "2025-09-01", "Initial Inspection", 5, programme="Smoke-Free Air Act"
        ),
        # 17: a compliance inspection in a graded programme: the rule gives no letter.
        inspection("IN-17a", 17, "2025-09-01", "Compliance Inspection", 5),
    ]


# (rating, permit or camis number, date) -> band. Subject numbers 11.. are restaurants.
EXPECTED: dict[tuple[str, int, date], str] = {
    ("tax_credit_grade", 1, date(2026, 3, 1)): "A",
    ("tax_credit_grade", 2, date(2026, 3, 1)): "C",
    ("tax_credit_grade", 2, date(2025, 10, 1)): "B",
    ("tax_credit_grade", 3, date(2026, 3, 1)): "A",
    ("contract_performance", 4, date(2026, 3, 1)): "poor",
    ("contract_performance", 4, date(2025, 10, 1)): "poor",
    ("contract_performance", 5, date(2026, 3, 1)): "excellent",
    ("nyc_restaurant_grade", 11, date(2025, 10, 1)): "pending",
    ("nyc_restaurant_grade", 11, date(2025, 10, 20)): "B",
    ("nyc_restaurant_grade", 11, date(2026, 3, 1)): "B",  # an inspection holds a year
    ("nyc_restaurant_grade", 12, date(2025, 10, 1)): "A",
    ("nyc_restaurant_grade", 12, date(2025, 10, 20)): "A",
    ("nyc_restaurant_grade", 13, date(2025, 10, 1)): "C",
    ("nyc_restaurant_grade", 13, date(2025, 10, 20)): "C",
    ("food_safety_grade", 11, date(2025, 10, 20)): "3",
    ("food_safety_grade", 12, date(2025, 10, 20)): "0",  # any programme counts here
    ("food_safety_grade", 13, date(2025, 10, 1)): "0",
    ("nyc_restaurant_grade", 14, date(2026, 3, 1)): "not_rated",
    ("food_safety_grade", 14, date(2026, 3, 1)): "not_rated",
    ("nyc_restaurant_grade", 15, date(2026, 3, 1)): "not_rated",
    ("food_safety_grade", 15, date(2026, 3, 1)): "not_rated",
    ("nyc_restaurant_grade", 16, date(2026, 3, 1)): "not_rated",
    ("food_safety_grade", 16, date(2026, 3, 1)): "5",
    ("nyc_restaurant_grade", 17, date(2026, 3, 1)): "not_rated",
}

# Why each pending or not-rated result above is so (every engine gives the same reason).
EXPECTED_REASONS: dict[tuple[str, int, date], str] = {
    ("nyc_restaurant_grade", 11, date(2025, 10, 1)): "band_pending",
    ("nyc_restaurant_grade", 14, date(2026, 3, 1)): "stale_assessment",
    ("food_safety_grade", 14, date(2026, 3, 1)): "stale_assessment",
    ("nyc_restaurant_grade", 15, date(2026, 3, 1)): "no_inputs",
    ("food_safety_grade", 15, date(2026, 3, 1)): "no_inputs",
    ("nyc_restaurant_grade", 16, date(2026, 3, 1)): "missing_feature:last_score",
    ("nyc_restaurant_grade", 17, date(2026, 3, 1)): "band_not_rated",
}


def load_golden(writer: Writer, engine: Engine) -> None:
    """Write the golden records through the write path, then open a dispute on AR-3d."""
    writer.write(*golden_rows())
    with engine.begin() as conn:
        disputed = conn.execute(
            select(record_current.c.chain_id, record_current.c.subject_id).where(
                record_current.c.source_ref == "AR-3d"
            )
        ).one()
        conn.execute(
            record_suppressions.insert().values(
                chain_id=disputed.chain_id,
                subject_id=disputed.subject_id,
                reason="dispute",
                opened_at=datetime(2026, 2, 1, tzinfo=UTC),
            )
        )


def subject_numbers(conn: Connection) -> dict[int, int]:
    """subject_id -> the number used in the golden cases (permit or camis)."""
    from credo.subjects.tables import subject_identifiers

    found: dict[int, int] = {}
    for subject_id, value in conn.execute(
        select(subject_identifiers.c.subject_id, subject_identifiers.c.value)
    ):
        number = int(value[3:]) if value.startswith("CP-") else int(value) - 40000000
        found[subject_id] = number
    return found
