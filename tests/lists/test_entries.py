"""List entries derived from records on both databases: lifecycle (G-22), past dates, exits
(G-43, G-44), minors (G-21), disputes (G-26), and the stored lifecycle kept by the hook."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from credo.lists.service import entries_on
from credo.lists.tables import list_entries
from credo.records.service import chain_id_of
from credo.records.tables import record_suppressions
from tests.lists.builders import WINDOW, change, defaulter, make_context, org_id, person_id, submit
from tests.lists.builders import tax_grade as grade_record

ADULT = person_id(date(1980, 5, 6))
MINOR = person_id(date(2010, 3, 1), 2)
START = date(2026, 1, 10)


@pytest.fixture
def ctx(database_url: str, engine: Engine):  # type: ignore[no-untyped-def]
    return make_context(database_url, engine)


def subject_of(ctx, ident: str) -> int:  # type: ignore[no-untyped-def]
    from credo.subjects.repository import find_subject_ids

    with ctx.engine.connect() as conn:
        return find_subject_ids(conn, [("cn_ric", ident)])[("cn_ric", ident)]


def statuses(ctx, subject_id: int, on: date) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    with ctx.engine.connect() as conn:
        return [(e.list_id, s) for e, s in entries_on(conn, ctx.catalogue, subject_id, on)]


def test_entry_is_notified_then_effective_then_ends_at_term(ctx) -> None:  # type: ignore[no-untyped-def]
    submit(ctx, "city_court", defaulter(ADULT))
    sid = subject_of(ctx, ADULT)
    assert statuses(ctx, sid, START - timedelta(days=1)) == []
    assert statuses(ctx, sid, START) == [("judgment_defaulters", "notified")]
    assert statuses(ctx, sid, START + timedelta(days=WINDOW - 1)) == [
        ("judgment_defaulters", "notified")
    ]
    assert statuses(ctx, sid, START + timedelta(days=WINDOW)) == [
        ("judgment_defaulters", "effective")
    ]
    # the record's 3-year effect ends before the list's 3-year term counted from effect
    assert statuses(ctx, sid, date(2029, 1, 10)) == [("judgment_defaulters", "ended")]


def test_performance_ends_the_entry_from_its_date_and_past_dates_keep_it(ctx) -> None:  # type: ignore[no-untyped-def]
    record = defaulter(ADULT)
    submit(ctx, "city_court", record)
    submit(ctx, "city_court", change(record, "perform", 1, "2026-03-01"))
    sid = subject_of(ctx, ADULT)
    assert statuses(ctx, sid, date(2026, 2, 15)) == [("judgment_defaulters", "effective")]
    assert statuses(ctx, sid, date(2026, 3, 1)) == [("judgment_defaulters", "ended")]


def test_annulment_removes_the_entry(ctx) -> None:  # type: ignore[no-untyped-def]
    record = defaulter(ADULT)
    submit(ctx, "city_court", record)
    sid = subject_of(ctx, ADULT)
    submit(ctx, "city_court", change(record, "revoke", 1, "2026-02-01"))
    assert statuses(ctx, sid, date(2026, 2, 15)) == []
    with ctx.engine.connect() as conn:
        stored = conn.execute(select(list_entries).where(list_entries.c.subject_id == sid))
        [row] = stored.mappings().all()
    assert row["status"] == "ended"
    assert row["ended_reason"] == "records_withdrawn"


def test_minors_are_never_on_a_negative_list(ctx) -> None:  # type: ignore[no-untyped-def]
    submit(ctx, "city_court", defaulter(MINOR))
    assert statuses(ctx, subject_of(ctx, MINOR), date(2026, 3, 1)) == []


def test_an_open_dispute_suspends_the_entry_at_once(ctx) -> None:  # type: ignore[no-untyped-def]
    record = defaulter(ADULT)
    submit(ctx, "city_court", record)
    sid = subject_of(ctx, ADULT)
    with ctx.engine.begin() as conn:
        conn.execute(
            record_suppressions.insert().values(
                chain_id=chain_id_of("city_court", record["source_ref"]),
                subject_id=sid,
                reason="dispute",
                opened_at=datetime(2026, 2, 1),
            )
        )
    assert statuses(ctx, sid, date(2026, 3, 1)) == []


def test_hook_stores_the_lifecycle_as_of_today(ctx) -> None:  # type: ignore[no-untyped-def]
    submit(ctx, "city_court", defaulter(ADULT, on="2026-05-25"))
    with ctx.engine.connect() as conn:
        [row] = conn.execute(select(list_entries)).mappings().all()
    assert row["status"] == "notified"  # the clock says 2026-06-01, inside the window
    assert row["effective_on"] == date(2026, 6, 9)
    assert row["notified_at"] is not None
    ctx.clock.advance(days=10)
    submit(ctx, "city_court", defaulter(ADULT, "(2026)京执2号", on="2026-06-05"))
    with ctx.engine.connect() as conn:
        rows = conn.execute(select(list_entries).order_by(list_entries.c.starts_on)).mappings()
        first, second = rows.all()
    assert first["status"] == "effective"  # brought up to date by the later write
    assert first["notified_at"] == row["notified_at"]  # notified once, never re-notified
    assert second["status"] == "notified"


def test_red_list_needs_its_payload_condition_and_takes_effect_at_once(ctx) -> None:  # type: ignore[no-untyped-def]
    a_grade, b_grade = org_id(1), org_id(2)
    submit(ctx, "city_tax_office", grade_record(a_grade, "A"), grade_record(b_grade, "B"))
    from credo.subjects.repository import find_subject_ids

    with ctx.engine.connect() as conn:
        ids = find_subject_ids(conn, [("cn_uscc", a_grade), ("cn_uscc", b_grade)])
    assert statuses(ctx, ids[("cn_uscc", a_grade)], date(2026, 4, 1)) == [
        ("a_grade_taxpayers", "effective")
    ]
    assert statuses(ctx, ids[("cn_uscc", b_grade)], date(2026, 4, 1)) == []


def test_a_future_dated_record_makes_a_proposed_entry(ctx) -> None:  # type: ignore[no-untyped-def]
    record = {**defaulter(ADULT, on="2026-05-20"), "effective_from": "2026-07-01"}
    submit(ctx, "city_court", record)
    with ctx.engine.connect() as conn:
        [row] = conn.execute(select(list_entries)).mappings().all()
    assert row["status"] == "proposed"
    assert row["starts_on"] == date(2026, 7, 1)
