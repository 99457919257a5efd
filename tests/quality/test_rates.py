"""G-49: the four rates computed from the registry's own tables over the rolling window, on a
small hand-made history (records before and inside the window, a correction, disputes upheld
and overturned, answered on time, late, left unverified and still open), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from credo.audit.tables import audit_log
from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.disputes import repository as disputes_repo
from credo.disputes import service as disputes
from credo.quality import service as quality
from credo.quality.service import COUNTS
from credo.records.service import WriteContext, nothing_held
from credo.subjects import repository as subjects_repo
from tests.disputes.conftest import ZHANG, Registry, defaulter
from tests.records.conftest import licence

END = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)  # the evaluation: the window is [END-90d, END)


def _at(clock: FixedClock, days_before_end: int) -> None:
    clock.set(END - timedelta(days=days_before_end))


def _dispute(engine: Engine, ctx: WriteContext, subject_id: int, record_id: str, **kw: Any) -> int:
    with engine.begin() as conn:
        return int(disputes.open_dispute(conn, ctx, subject_id, record_id, "wrong", **kw)["id"])


def _resolve(engine: Engine, ctx: WriteContext, dispute_id: int, outcome: str) -> None:
    with engine.begin() as conn:
        disputes.resolve(conn, ctx, dispute_id, outcome, "checked against the court file", "ann")


def test_g49_rates_over_the_window_from_records_corrections_and_disputes(
    engine: Engine, catalogue: Catalogue
) -> None:
    clock = FixedClock(END)
    ctx = WriteContext(catalogue, clock, holds=nothing_held)
    court = Registry(engine, ctx)
    _at(clock, 140)
    r0 = court.defaulter("R0").record_id  # before the window
    _at(clock, 80)
    r1, r2, r3, r4 = (court.defaulter(f"R{i}").record_id for i in range(1, 5))
    _at(clock, 75)
    [fixed] = court.write("city_court", defaulter("R1", action="correct", revision=1))
    assert fixed.outcome == "accepted", fixed.reason
    with engine.connect() as conn:
        zhang = subjects_repo.find_subject_ids(conn, [ZHANG])[ZHANG]

    _at(clock, 130)  # a dispute wholly before the window: lodged, due and closed there
    _resolve(engine, ctx, _dispute(engine, ctx, zhang, r0), "frivolous")
    _at(clock, 60)
    d1, d2 = _dispute(engine, ctx, zhang, r0), _dispute(engine, ctx, zhang, r2)
    _at(clock, 55)
    _resolve(engine, ctx, d1, "deleted")  # on time, against the furnisher: an overturn
    _at(clock, 50)
    _resolve(engine, ctx, d2, "upheld")  # on time, the record stands
    d3 = _dispute(engine, ctx, zhang, r3)
    _at(clock, 45)
    d5 = _dispute(engine, ctx, zhang, r1)
    _at(clock, 25)
    _dispute(engine, ctx, zhang, r4)  # due 5 days before the end, still open: late
    _at(clock, 22)
    _resolve(engine, ctx, d5, "deleted")  # 3 days after its deadline: late, an overturn
    _at(clock, 20)
    with engine.begin() as conn:  # d3, 10 days overdue: unverified, late, an overturn
        assert [d["id"] for d in _overdue(conn)] == [d3]
        assert disputes.expire_overdue(conn, ctx) == 1
    _at(clock, 10)  # another furnisher: one of two records corrected, too few to judge
    regulator = Registry(engine, ctx)
    regulator.write("market_regulator", licence("LIC-1"), licence("LIC-2"))
    _at(clock, 5)
    regulator.write("market_regulator", licence("LIC-1", action="correct", revision=1))

    clock.set(END)
    with engine.begin() as conn:
        result = quality.evaluate(conn, catalogue, clock, disputes.quality_counts)
        rows = {r["furnisher_id"]: r for r in quality.quality_rows(conn)}
    assert result.evaluated == len(rows) >= len(catalogue.furnishers)
    court_row, regulator_row = rows["city_court"], rows["market_regulator"]
    assert _counts(court_row) == {
        "records": 4,  # R1-R4; R0 has no statement in the window
        "corrections": 1,
        "disputes": 5,  # lodged in the window, R0's second dispute included
        "overturns": 3,  # deleted, unverified, deleted late; upheld is not one
        "disputes_due": 5,
        "late_responses": 3,  # unverified, resolved after the deadline, still open
    }
    assert _rates(court_row) == {
        "dispute_rate": 1.25,
        "correction_rate": 0.25,
        "overturn_rate": 0.75,
        "late_response_rate": 0.6,
    }
    # four records are fewer than min_records (5): only the late-response rate can hold it
    assert result.newly_held == ["city_court"] and court_row["held"]
    assert court_row["hold_reason"] == "late response rate 60.0 % (3 of 5) above 50.0 %"
    assert _counts(regulator_row) == {
        "records": 2,
        "corrections": 1,
        "disputes": 0,
        "overturns": 0,
        "disputes_due": 0,
        "late_responses": 0,
    }
    assert regulator_row["correction_rate"] == 0.5 and regulator_row["late_response_rate"] is None
    assert not regulator_row["held"]  # 50 % of two records judges no one
    assert (
        rows["city_tax_office"]["records"] == 0 and rows["city_tax_office"]["dispute_rate"] is None
    )

    with engine.begin() as conn:  # a second run keeps the hold and logs it once
        assert quality.evaluate(conn, catalogue, clock, disputes.quality_counts).newly_held == []
        holds = select(func.count()).where(audit_log.c.action == "furnisher.hold")
        assert conn.execute(holds).scalar_one() == 1


def _overdue(conn: Any) -> list[Any]:
    return disputes_repo.overdue_disputes(conn, END - timedelta(days=20))


def _counts(row: Any) -> dict[str, int]:
    return {k: row[k] for k in COUNTS}


def _rates(row: Any) -> dict[str, float]:
    return {k: round(row[k], 6) for k in quality.RATES}


def test_g49_every_write_context_names_its_hold_check(catalogue: Catalogue, engine: Engine) -> None:
    """No writer skips the furnisher hold check by forgetting it: a WriteContext without
    ``holds`` is refused; the app's own context passes credo.quality's check."""
    import pytest

    from credo.context import AppContext
    from credo.quality.hold import held_rejections
    from credo.settings import Settings

    clock = FixedClock(datetime(2026, 3, 1, tzinfo=UTC))
    with pytest.raises(TypeError, match="holds"):
        WriteContext(catalogue, clock)  # type: ignore[call-arg]
    app = AppContext(Settings(), catalogue, engine, clock)
    assert app.write_context().holds is held_rejections
