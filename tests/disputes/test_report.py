"""G-23: the subject's report holds everything about the subject and nothing about anyone
else (a property test over random files of two subjects)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from credo.clock import FixedClock
from credo.disputes import service
from credo.disputes.report import subject_report
from credo.records import repository as records_repo
from credo.records.service import WriteContext
from tests.disputes.conftest import LI, ZHANG, Registry, defaulter


def test_the_report_shows_source_basis_dates_history_and_disputes(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    record = registry.defaulter()
    assert record.subject_id is not None
    clock.advance(days=1)
    payload = {**defaulter()["payload"], "amount": 1000}
    registry.write("city_court", defaulter(revision=1, action="correct", payload=payload))
    with engine.begin() as conn:
        service.open_dispute(conn, ctx, record.subject_id, str(record.record_id), "wrong amount")
        report = subject_report(conn, ctx.catalogue, record.subject_id, clock.now())
    [held] = report["records"]
    assert held["source"]["furnisher_id"] == "city_court"
    assert held["source"]["source_ref"] == "(2025)京0105执123号"
    assert "Fa Shi [2017] No. 7" in held["legal_basis"]["instrument"]
    assert (held["occurred_on"], held["effect_until"], held["expires_on"]) == (
        "2025-09-01",
        "2028-09-01",
        "2030-09-01",
    )
    assert held["repair_eligible_on"] == "2026-09-01"
    assert [h["action"] for h in held["history"]] == ["assert", "correct"]
    assert held["payload"]["amount"] == 1000
    assert held["effect"] == "no effect: dispute"
    assert report["disputes"][0]["grounds"] == "wrong amount"
    assert {n["kind"] for n in report["notices"]} == {"dispute_received"}
    assert report["subject"]["identifiers"][0]["value"] == ZHANG[1]
    assert set(report) >= {"ratings", "list_entries", "inquiries", "repair_applications"}


_refs = itertools.count()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(owners=st.lists(st.sampled_from([ZHANG, LI]), min_size=1, max_size=6))
def test_every_record_of_the_subject_and_no_other_is_in_the_report(
    registry: Registry, engine: Engine, ctx: WriteContext, owners: list[tuple[str, str]]
) -> None:
    for owner in owners:
        registry.defaulter(f"(2025)京0105执{next(_refs)}号", identifiers=owner)
    with engine.connect() as conn:
        subject_ids = {r["subject_id"] for r in records_repo.feed_since(conn, 0, 10_000)}
        for subject_id in subject_ids:
            held = {r["chain_id"] for r in records_repo.current_of_subject(conn, subject_id)}
            report = subject_report(conn, ctx.catalogue, subject_id, ctx.clock.now())
            assert {r["chain_id"] for r in report["records"]} == held
            others = {
                r["chain_id"]
                for s in subject_ids - {subject_id}
                for r in records_repo.current_of_subject(conn, s)
            }
            assert not others & {r["chain_id"] for r in report["records"]}
