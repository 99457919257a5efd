"""G-33: an objection suspends processing until it is decided. The subject objects to a record
on grounds of their particular situation: the record is restricted at once; keeping it needs a
written assessment of compelling legitimate grounds; a successful objection erases it."""

from __future__ import annotations

from sqlalchemy import Engine, select

from credo.disputes import service
from credo.errors import ValidationFailed
from credo.records.service import WriteContext
from credo.records.tables import record_suppressions
from tests.disputes.conftest import LI, Registry

GROUNDS = "I am the sole carer of my parents; the listing stops me travelling to them"


def _object(engine: Engine, ctx: WriteContext, subject_id: int, ref: str) -> int:
    with engine.begin() as conn:
        row = service.open_dispute(conn, ctx, subject_id, ref, GROUNDS, category="objection")
    assert row["category"] == "objection"
    return int(row["id"])


def test_g33_an_objection_restricts_the_record_until_a_written_assessment_keeps_it(
    registry: Registry, engine: Engine, ctx: WriteContext
) -> None:
    record = registry.defaulter()
    subject_id = record.subject_id
    assert subject_id is not None and len(registry.effective_ids(subject_id)) == 1
    objection = _object(engine, ctx, subject_id, str(record.record_id))
    assert registry.effective_ids(subject_id) == set()  # restricted at once
    for bare in ("", "   ", "no"):
        try:
            with engine.begin() as conn:
                service.resolve(conn, ctx, objection, "upheld", bare, "operator:ann")
        except ValidationFailed as refused:
            assert refused.code == "reasons_required"
        else:
            raise AssertionError(f"an objection was rejected without an assessment: {bare!r}")
        assert registry.effective_ids(subject_id) == set()  # still restricted
    assessment = "Compelling legitimate grounds: the enforcement order is unpaid and current."
    with engine.begin() as conn:
        kept = service.resolve(conn, ctx, objection, "upheld", assessment, "operator:ann")
    assert kept["reasons"] == assessment
    assert len(registry.effective_ids(subject_id)) == 1


def test_g33_a_successful_objection_erases_the_record(
    registry: Registry, engine: Engine, ctx: WriteContext
) -> None:
    record = registry.defaulter("(2025)京0105执777号", identifiers=LI)
    subject_id = record.subject_id
    assert subject_id is not None
    objection = _object(engine, ctx, subject_id, str(record.record_id))
    with engine.begin() as conn:
        service.resolve(conn, ctx, objection, "deleted", "", "operator:ann")
        reasons = conn.execute(
            select(record_suppressions.c.reason).where(
                record_suppressions.c.subject_id == subject_id,
                record_suppressions.c.closed_at.is_(None),
            )
        ).scalars()
        assert list(reasons) == ["deleted"]
    assert registry.effective_ids(subject_id) == set()
