"""Disputes (G-26..G-31) and "not me" claims (G-20) on SQLite and PostgreSQL, with a fixed
clock for every deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from credo.audit import service as audit
from credo.audit.tables import audit_log
from credo.catalog.catalogue import Catalogue
from credo.clock import FixedClock
from credo.disputes import cases, jobs, service
from credo.disputes.report import subject_report
from credo.errors import Conflict, NotFound, ValidationFailed
from credo.notices import repository as notices_repo
from credo.records import repository as records_repo
from credo.records.service import WriteContext, nothing_held
from credo.records.tables import change_feed, record_suppressions
from tests.disputes.conftest import LI, Desk, HookLog, OnFile, Registry, defaulter


def test_g26_a_disputed_record_loses_effect_at_once_and_the_furnisher_is_told(
    hooks: HookLog, clock: FixedClock, on_file: OnFile, desk: Desk
) -> None:
    subject_id = on_file.subject_id
    assert len(desk.registry.effective_ids(subject_id)) == 1
    dispute_id = desk.dispute(subject_id, on_file.record_id)
    assert desk.registry.effective_ids(subject_id) == set()
    assert hooks.calls == [{subject_id}]
    with desk.engine.connect() as conn:
        [to_court] = notices_repo.of_recipient(conn, "furnisher", "city_court")
        [received] = notices_repo.of_subject(conn, subject_id)
        feed = conn.execute(select(change_feed.c.kind).order_by(change_feed.c.seq)).scalars().all()
        actions = conn.execute(select(audit_log.c.action)).scalars().all()
    assert "not my debt" in to_court["body"]  # the subject's material goes to the furnisher
    due = to_court["due_by"].replace(tzinfo=None) - clock.now().replace(tzinfo=None)
    assert due <= timedelta(days=7)  # 5 business days from a Monday
    assert received["kind"] == "dispute_received"
    assert feed[-1] == "dispute"
    assert "dispute.open" in actions
    with desk.engine.connect() as conn:
        report = subject_report(conn, desk.ctx.catalogue, subject_id, clock.now())
    [held] = report["records"]
    assert held["effect"] == "no effect: dispute"
    assert held["disputes"][0]["id"] == dispute_id


@pytest.mark.parametrize(("profile", "days"), [("CN", 20), ("EU", 30), ("US-FCRA", 30)])
def test_g27_the_deadline_comes_from_the_profile(
    engine: Engine,
    catalogue: Catalogue,
    clock: FixedClock,
    profile: str,
    days: int,
    on_file: OnFile,
) -> None:
    ctx = WriteContext(replace(catalogue, active_profile_id=profile), clock, holds=nothing_held)
    with engine.begin() as conn:
        dispute = service.open_dispute(conn, ctx, on_file.subject_id, on_file.record_id, "x")
    deadline = dispute["deadline_at"].replace(tzinfo=None)
    assert deadline == clock.now().replace(tzinfo=None) + timedelta(days=days)


@pytest.mark.parametrize("outcome", ["upheld", "frivolous"])
def test_g28_closing_as_upheld_or_frivolous_needs_reasons(
    outcome: str, on_file: OnFile, desk: Desk
) -> None:
    dispute_id = desk.dispute(on_file.subject_id, on_file.record_id)
    with pytest.raises(ValidationFailed) as refused:
        desk.resolve(dispute_id, outcome, "  ")
    assert refused.value.code == "reasons_required"
    assert desk.registry.effective_ids(on_file.subject_id) == set()
    closed = desk.resolve(dispute_id, outcome, "the court confirmed the judgment")
    assert closed["status"] == outcome and closed["reasons"]
    assert len(desk.registry.effective_ids(on_file.subject_id)) == 1
    with desk.engine.connect() as conn:
        kinds = [n["kind"] for n in notices_repo.of_subject(conn, on_file.subject_id)]
    assert kinds[-1] == "dispute_result"


def test_g27_an_overdue_dispute_is_unverified_even_before_the_job_runs(
    clock: FixedClock, on_file: OnFile, desk: Desk
) -> None:
    dispute_id = desk.dispute(on_file.subject_id, on_file.record_id)
    clock.advance(days=20)  # CN: 20 days
    assert desk.registry.effective_ids(on_file.subject_id) == set()
    with pytest.raises(Conflict) as late:
        desk.resolve(dispute_id, "upheld", "verified with the court, late")
    assert late.value.code == "dispute_deadline_passed"
    with desk.engine.connect() as conn:
        report = subject_report(conn, desk.ctx.catalogue, on_file.subject_id, clock.now())
    assert report["disputes"][0]["status"] == "unverified"


def test_g27_the_job_records_overdue_disputes_as_unverified_once(
    clock: FixedClock, on_file: OnFile, desk: Desk
) -> None:
    dispute_id = desk.dispute(on_file.subject_id, on_file.record_id)
    clock.advance(days=19, hours=23)
    with desk.engine.begin() as conn:
        assert jobs.run_due(conn, desk.ctx).disputes_unverified == 0
    clock.advance(hours=1)
    with desk.engine.begin() as conn:
        assert jobs.run_due(conn, desk.ctx).disputes_unverified == 1
        assert jobs.run_due(conn, desk.ctx).disputes_unverified == 0
        dispute = cases.get(conn, "disputes", dispute_id)
        reasons = (
            conn.execute(
                select(record_suppressions.c.reason).where(
                    record_suppressions.c.closed_at.is_(None)
                )
            )
            .scalars()
            .all()
        )
        result = notices_repo.of_subject(conn, on_file.subject_id)[-1]
    assert dispute is not None and dispute["status"] == "unverified"
    assert reasons == ["unverified"]
    assert desk.registry.effective_ids(on_file.subject_id) == set()
    assert result["kind"] == "dispute_result" and "not verified in time" in result["title"]


def test_g31_a_deleted_record_cannot_come_back(on_file: OnFile, desk: Desk) -> None:
    dispute_id = desk.dispute(on_file.subject_id, on_file.record_id)
    desk.resolve(dispute_id, "deleted")
    assert desk.registry.effective_ids(on_file.subject_id) == set()
    [again] = desk.registry.write(
        "city_court", defaulter(revision=1, action="correct", occurred_on="2025-09-02")
    )
    assert again.outcome == "quarantined" and again.reason is not None
    assert again.reason.code == "record_deleted"


def test_corrected_needs_the_correction_first(
    clock: FixedClock, on_file: OnFile, desk: Desk
) -> None:
    dispute_id = desk.dispute(on_file.subject_id, on_file.record_id)
    with pytest.raises(Conflict) as missing:
        desk.resolve(dispute_id, "corrected")
    assert missing.value.code == "correction_missing"
    clock.advance(days=3)
    payload = {**defaulter()["payload"], "amount": 20000}
    desk.registry.write("city_court", defaulter(revision=1, action="correct", payload=payload))
    desk.resolve(dispute_id, "corrected")
    with desk.engine.connect() as conn:
        [row] = records_repo.effective_records(conn, [on_file.subject_id], clock.today())
    assert row["payload"]["amount"] == 20000


def test_g20_a_not_me_claim_suspends_at_once(on_file: OnFile, desk: Desk) -> None:
    claim = desk.dispute(on_file.subject_id, on_file.record_id, kind="identity_claim")
    assert desk.registry.effective_ids(on_file.subject_id) == set()
    with pytest.raises(ValidationFailed):
        desk.resolve(claim, "upheld", "not an outcome of a claim")
    with pytest.raises(ValidationFailed):
        desk.resolve(claim, "rejected", "")
    desk.resolve(claim, "confirmed")  # not this person: the record is deleted
    assert desk.registry.effective_ids(on_file.subject_id) == set()


def test_a_rejected_claim_restores_the_record(on_file: OnFile, desk: Desk) -> None:
    claim = desk.dispute(on_file.subject_id, on_file.record_id, kind="identity_claim")
    desk.resolve(claim, "rejected", "identity verified against the court's file")
    assert len(desk.registry.effective_ids(on_file.subject_id)) == 1


def test_one_open_dispute_per_record_and_only_on_your_own_records(desk: Desk) -> None:
    mine = desk.registry.defaulter()
    other = desk.registry.defaulter("(2025)京0105执999号", identifiers=LI)
    assert mine.subject_id is not None and other.subject_id != mine.subject_id
    desk.dispute(mine.subject_id, str(mine.record_id))
    with pytest.raises(Conflict):
        desk.dispute(mine.subject_id, str(mine.record_id))
    with pytest.raises(NotFound):
        desk.dispute(mine.subject_id, str(other.record_id))


def test_g29_a_merits_dispute_is_referred_to_the_issuing_body(on_file: OnFile, desk: Desk) -> None:
    desk.dispute(on_file.subject_id, on_file.record_id, category="merits")
    with desk.engine.connect() as conn:
        referral = [
            n
            for n in notices_repo.of_subject(conn, on_file.subject_id)
            if n["kind"] == "dispute_referral"
        ]
    assert len(referral) == 1 and "Intermediate People's Court" in referral[0]["body"]


def test_new_information_extends_the_deadline_once_where_the_profile_allows(
    registry: Registry, engine: Engine, catalogue: Catalogue, clock: FixedClock, on_file: OnFile
) -> None:
    ctx = WriteContext(replace(catalogue, active_profile_id="US-FCRA"), clock, holds=nothing_held)
    dispute_id = Desk(registry, ctx).dispute(on_file.subject_id, on_file.record_id)
    with engine.begin() as conn:
        first = service.add_information(
            conn, ctx, on_file.subject_id, dispute_id, {"receipt": "R-1"}
        )
        second = service.add_information(conn, ctx, on_file.subject_id, dispute_id, {"bank": "B-2"})
    opened = first["opened_at"].replace(tzinfo=None)
    assert first["deadline_at"].replace(tzinfo=None) == opened + timedelta(days=45)
    assert second["deadline_at"] == first["deadline_at"]
    assert second["evidence"] == {"receipt": "R-1", "bank": "B-2"}


def test_g32_a_statement_travels_with_the_record(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock, on_file: OnFile
) -> None:
    with engine.begin() as conn:
        service.attach_statement(conn, ctx, on_file.subject_id, on_file.record_id, "Paid on 3 May.")
        with pytest.raises(ValidationFailed):
            service.attach_statement(conn, ctx, on_file.subject_id, on_file.record_id, "x" * 1001)
    chain = next(iter(registry.effective_ids(on_file.subject_id)))
    with engine.connect() as conn:
        assert service.statements_for(conn, [chain]) == {chain: ["Paid on 3 May."]}
        report = subject_report(conn, ctx.catalogue, on_file.subject_id, clock.now())
    assert report["records"][0]["subject_statements"][0]["text"] == "Paid on 3 May."


def test_every_dispute_step_is_in_a_verifiable_audit_log(on_file: OnFile, desk: Desk) -> None:
    dispute_id = desk.dispute(on_file.subject_id, on_file.record_id)
    desk.resolve(dispute_id, "deleted")
    with desk.engine.connect() as conn:
        actions = conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).scalars().all()
        assert audit.verify(conn).ok
    assert actions == ["record.assert", "dispute.open", "dispute.resolve"]
