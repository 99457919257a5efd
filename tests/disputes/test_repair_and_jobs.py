"""Credit repair (G-42, G-43), the scheduled jobs and expiry enforced twice (G-41, G-44), and
corrections to relying parties (G-30), on SQLite and PostgreSQL with a fixed clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, inspect, select

from credo.audit import service as audit
from credo.audit.tables import audit_log
from credo.clock import FixedClock
from credo.disputes import jobs, repair, service
from credo.errors import Conflict, ValidationFailed
from credo.notices import repository as notices_repo
from credo.records.service import WriteContext
from credo.records.tables import change_feed
from harness.audited import AUDITED
from tests.disputes.conftest import Desk, HookLog, OnFile, Registry

ELIGIBLE = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)  # the defaulter's effective_from + 1y


def _chain(registry: Registry, subject_id: int) -> str:
    return next(iter(registry.effective_ids(subject_id)))


def test_g42_an_application_before_the_minimum_period_names_the_date(
    on_file: OnFile, desk: Desk
) -> None:
    with pytest.raises(ValidationFailed) as early:
        desk.apply(on_file.subject_id, _chain(desk.registry, on_file.subject_id))
    assert early.value.code == "repair_not_yet_eligible"
    assert early.value.extra["eligible_on"] == "2026-09-01"


def test_g42_only_declared_conditions_and_repairable_types(
    clock: FixedClock, on_file: OnFile, desk: Desk
) -> None:
    clock.set(ELIGIBLE)
    chain = _chain(desk.registry, on_file.subject_id)
    with pytest.raises(ValidationFailed) as unknown:
        desk.apply(on_file.subject_id, chain, condition="I promise")
    assert unknown.value.code == "unknown_repair_condition"
    with pytest.raises(ValidationFailed):
        desk.apply(on_file.subject_id, chain, proof={})


def test_g42_approval_ends_the_effect_at_once(
    clock: FixedClock, hooks: HookLog, on_file: OnFile, desk: Desk
) -> None:
    clock.set(ELIGIBLE)
    application = desk.apply(on_file.subject_id, _chain(desk.registry, on_file.subject_id))
    assert application["deadline_at"].replace(tzinfo=None) == ELIGIBLE.replace(
        tzinfo=None
    ) + timedelta(days=15)  # CN: 15 days
    with pytest.raises(Conflict):  # the same record named by its record id
        desk.apply(on_file.subject_id, on_file.record_id)
    with desk.engine.begin() as conn:
        with pytest.raises(ValidationFailed):
            repair.decide(conn, desk.ctx, application["id"], False, "", "operator:ann")
        repair.decide(conn, desk.ctx, application["id"], True, "", "operator:ann")
    assert desk.registry.effective_ids(on_file.subject_id) == set()
    assert hooks.calls == [{on_file.subject_id}]
    with desk.engine.connect() as conn:
        last = notices_repo.of_subject(conn, on_file.subject_id)[-1]
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert last["kind"] == "repair_decision" and "approved" in last["title"]
    assert actions[-1] == "repair.approved"


def test_a_rejected_application_keeps_the_effect(
    clock: FixedClock, on_file: OnFile, desk: Desk
) -> None:
    clock.set(ELIGIBLE)
    application = desk.apply(on_file.subject_id, _chain(desk.registry, on_file.subject_id))
    with desk.engine.begin() as conn:
        decided = repair.decide(
            conn, desk.ctx, application["id"], False, "no proof of payment", "op"
        )
    assert decided["status"] == "rejected"
    assert len(desk.registry.effective_ids(on_file.subject_id)) == 1


def test_an_undecided_application_is_flagged_once_when_overdue(
    clock: FixedClock, on_file: OnFile, desk: Desk
) -> None:
    clock.set(ELIGIBLE)
    desk.apply(on_file.subject_id, _chain(desk.registry, on_file.subject_id))
    clock.advance(days=14)
    with desk.engine.begin() as conn:
        assert jobs.run_due(conn, desk.ctx).repairs_flagged == 0
    clock.advance(days=1)
    with desk.engine.begin() as conn:
        assert jobs.run_due(conn, desk.ctx).repairs_flagged == 1
        assert jobs.run_due(conn, desk.ctx).repairs_flagged == 0
        kinds = [n["kind"] for n in notices_repo.of_subject(conn, on_file.subject_id)]
    assert kinds.count("repair_overdue") == 1


def test_g41_an_ended_record_has_no_effect_without_the_job_and_the_job_marks_it_once(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock, hooks: HookLog
) -> None:
    record = registry.defaulter()  # effect until 2028-09-01, retention until 2030-09-01
    assert record.subject_id is not None
    clock.set(datetime(2028, 9, 1, 0, 0, tzinfo=UTC))
    assert registry.effective_ids(record.subject_id) == set()  # the query-time half
    with engine.begin() as conn:
        first = jobs.run_due(conn, ctx)
        again = jobs.run_due(conn, ctx)
    assert (first.records_ended, first.subjects_refreshed) == (1, 1)
    assert again.records_ended == 0
    assert hooks.calls == [{record.subject_id}]
    clock.set(datetime(2030, 9, 1, 0, 0, tzinfo=UTC))
    with engine.begin() as conn:
        assert jobs.run_due(conn, ctx).records_ended == 1  # now the retention end
        feed = conn.execute(select(change_feed.c.kind)).scalars().all()
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
        assert audit.verify(conn, AUDITED).ok
    assert feed.count("expiry") == 2
    # One entry per batch of each kind of work, never one per record (issue 11).
    assert actions[-3:] == ["records.ended", "retention.erase", "retention.forget_subjects"]
    assert actions.count("records.ended") == 2


def _inquiry(engine: Engine, subject_id: int, **row: Any) -> None:
    from credo.checks.tables import inquiries

    defaults: dict[str, Any] = {
        "principal_id": "p",
        "purpose": "consumer_credit",
        "transaction_ref": "tx",
        "subject_id": subject_id,
        "subject_key": "cn_ric:x",
        "outcome": "adverse",
        "valid_until": datetime(2026, 3, 3, tzinfo=UTC),
    }
    with engine.begin() as conn:
        conn.execute(inquiries.insert().values(**{**defaults, **row}))


def test_g30_corrections_reach_every_relying_party_that_relied_on_the_record(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    with engine.connect() as conn:
        if not inspect(conn).has_table("inquiries"):
            pytest.skip("the checks package's inquiry log is not migrated yet")
    record = registry.defaulter()
    other = registry.defaulter("(2024)京0105执7号")
    assert record.subject_id is not None
    now = clock.now()
    relied = {"measures": [{"records": [{"record_id": record.record_id}]}]}
    _inquiry(engine, record.subject_id, id="d-bank", at=now, relying_party_id="bank_a", **relied)
    _inquiry(
        engine,
        record.subject_id,
        id="d-old",
        at=now - timedelta(days=800),  # before the CN look-back of 730 days
        relying_party_id="airline_b",
        **relied,
    )
    _inquiry(
        engine,
        record.subject_id,
        id="d-other",
        at=now,
        relying_party_id="rail_c",
        measures=[{"records": [{"record_id": other.record_id}]}],
    )
    # the inquiry log's own shape: measure ids; no_air_travel is triggered by the list that
    # reads judgment_defaulter records, so that decision relied on one; a clean one did not
    _inquiry(
        engine,
        record.subject_id,
        id="d-air",
        at=now,
        relying_party_id="air_d",
        measures=["no_air_travel"],
    )
    _inquiry(
        engine, record.subject_id, id="d-clean", at=now, relying_party_id="hotel_e", measures=[]
    )
    with engine.begin() as conn:
        dispute = service.open_dispute(conn, ctx, record.subject_id, str(record.record_id), "x")
        service.resolve(conn, ctx, dispute["id"], "deleted", "", "operator:ann")
        sent = notices_repo.of_recipient(conn, "relying_party", "bank_a")
        assert len(notices_repo.of_recipient(conn, "relying_party", "air_d")) == 1
        assert notices_repo.of_recipient(conn, "relying_party", "hotel_e") == []
        assert notices_repo.of_recipient(conn, "relying_party", "airline_b") == []
        assert notices_repo.of_recipient(conn, "relying_party", "rail_c") == []
    assert [n["kind"] for n in sent] == ["correction"]
    assert "d-bank" in sent[0]["body"]


def test_eligibility_dates_follow_the_catalogue(ctx: WriteContext) -> None:
    defaulter_type = ctx.catalogue.record_types["judgment_defaulter"]
    penalty_type = ctx.catalogue.record_types["administrative_penalty"]
    assert repair.eligible_from(defaulter_type, date(2025, 9, 1)) == date(2026, 9, 1)
    assert repair.eligible_from(penalty_type, date(2025, 11, 30)) == date(2026, 2, 28)
