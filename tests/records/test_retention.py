"""Retention that deletes (issue 11, G-41, G-24, G-31), on SQLite and PostgreSQL: at each
chain's retention end its statements become tombstones (ids, type, dates, content hash and
reason kept; payload, evidence and provenance gone), subjects with nothing left lose their
identifiers, inquiries go after ``inquiry_retention_days``; in batches until done, one audit
entry per batch; the log still verifies, and a deleted record cannot come back."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from typer.testing import CliRunner

from credo.audit import service as audit
from credo.audit.tables import audit_log
from credo.catalog.loader import load_catalogue
from credo.checks import repository as checks_repo
from credo.checks.tables import inquiries
from credo.cli.main import app
from credo.clock import FixedClock
from credo.disputes import jobs, service
from credo.disputes import repository as disputes_repo
from credo.disputes.tables import disputes, repair_applications
from credo.ingest import repository as ingest_repo
from credo.ingest.service import purge_quarantine_until_done
from credo.ingest.tables import quarantine
from credo.records import retention
from credo.records.service import WriteContext, nothing_held
from credo.records.tables import record_current, record_statements, subject_statements
from credo.settings import DEMO_CATALOG
from credo.subjects.tables import subject_identifiers, subjects
from harness.audited import AUDITED
from tests.disputes.conftest import LI, START, ZHANG, Registry, defaulter

OLD = "(2021)京0105执001号"  # occurred 2021-03-01: retention (5 years) ends 2026-03-01
NEW = "(2025)京0105执123号"  # occurred 2025-09-01: retention ends 2030-09-01
OTHER = "(2025)京0105执777号"  # Li's, also until 2030-09-01


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def ctx(clock: FixedClock) -> WriteContext:
    return WriteContext(load_catalogue(DEMO_CATALOG), clock, holds=nothing_held)


@pytest.fixture
def registry(engine: Engine, ctx: WriteContext, clock: FixedClock) -> Registry:
    """Zhang: an old record (retention ended 2026-03-01) and a newer one; Li: one record.
    The old one is written while it is still within retention."""
    clock.set(datetime(2025, 6, 1, 9, 0, tzinfo=UTC))
    registry = Registry(engine, ctx)
    registry.defaulter(OLD, occurred_on="2021-03-01", evidence=_evidence(OLD, "2021-03-01"))
    clock.set(START)
    registry.defaulter(NEW)
    registry.write("city_court", defaulter(NEW, revision=2, payload=_payload(NEW, 90000)))
    registry.defaulter(OTHER, identifiers=LI)
    return registry


def _evidence(ref: str, on: str) -> dict[str, Any]:
    return {**defaulter(ref)["evidence"], "issued_on": on}


def _payload(ref: str, amount: int) -> dict[str, Any]:
    return {**defaulter(ref)["payload"], "amount": amount}


def _run(engine: Engine, ctx: WriteContext, clock: FixedClock, on: str, batch: int = 5000) -> Any:
    clock.set(datetime.fromisoformat(on).replace(tzinfo=UTC))
    return jobs.run_until_done(engine, ctx, batch)


def _purge_quarantine(
    engine: Engine, ctx: WriteContext, clock: FixedClock, on: date
) -> tuple[int, int]:
    clock.set(datetime.combine(on, time(), UTC))
    profile = ctx.catalogue.profile
    return purge_quarantine_until_done(engine, profile, clock.today(), clock.now(), 2)


def _statements(engine: Engine) -> list[Any]:
    with engine.connect() as conn:
        return list(
            conn.execute(
                select(record_statements).order_by(
                    record_statements.c.source_ref, record_statements.c.revision
                )
            ).mappings()
        )


def _subject_of(engine: Engine, value: str) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(subject_identifiers.c.subject_id).where(subject_identifiers.c.value == value)
            ).scalar_one()
        )


def _identifiers(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(subject_identifiers.c.scheme, subject_identifiers.c.value))
        return {f"{s}:{v}" for s, v in rows}


def _actions(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(select(audit_log.c.action).order_by(audit_log.c.seq)).scalars())


def _verified(engine: Engine) -> audit.Verification:
    with engine.connect() as conn:
        result = audit.verify(conn, AUDITED)
    assert result.ok, result.broken
    return result


def test_a_chain_past_retention_becomes_a_tombstone_and_only_that_one(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    before = {s["record_id"]: s for s in _statements(engine)}
    report = _run(engine, ctx, clock, "2026-02-28")  # the day before: nothing to erase
    assert report.retention.chains_erased == 0
    report = _run(engine, ctx, clock, "2026-03-01")
    assert (report.retention.chains_erased, report.retention.statements_erased) == (1, 1)
    assert report.retention.subjects_forgotten == 0  # Zhang still has a record in retention
    after = _statements(engine)
    erased = [s for s in after if s["source_ref"] == OLD]
    kept = [s for s in after if s["source_ref"] != OLD]
    [tomb] = erased
    assert tomb["payload"]["erased"] == "retention_ended"
    assert set(tomb["payload"]) == {"erased", "batch", "erasable"}
    assert tomb["evidence"] is None and tomb["provenance"] is None
    original = before[tomb["record_id"]]
    for column in ("chain_id", "record_type", "subject_id", "occurred_on", "expires_on"):
        assert tomb[column] == original[column]  # the tombstone: ids, type, dates
    assert tomb["content_hash"] == original["content_hash"]
    assert all(s["payload"] == before[s["record_id"]]["payload"] for s in kept)
    with engine.connect() as conn:
        current = conn.execute(
            select(record_current.c.payload).where(record_current.c.chain_id == tomb["chain_id"])
        ).scalar_one()
    assert current["erased"] == "retention_ended"
    assert _verified(engine).data.tombstones == 1  # type: ignore[union-attr]


def test_subjects_with_nothing_left_lose_their_identifiers(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    assert len(_identifiers(engine)) == 2
    report = _run(engine, ctx, clock, "2030-09-01")
    assert report.retention.chains_erased == 3
    assert report.retention.statements_erased == 4
    assert (report.retention.subjects_forgotten, report.retention.identifiers_removed) == (2, 2)
    assert _identifiers(engine) == set()
    with engine.connect() as conn:
        people = conn.execute(select(subjects.c.display_name, subjects.c.birth_date)).all()
    assert people and all(row == (None, None) for row in people)
    assert all(s["payload"].keys() == {"erased", "batch", "erasable"} for s in _statements(engine))
    _verified(engine)


def test_work_goes_in_batches_until_done_with_one_entry_per_batch(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    report = _run(engine, ctx, clock, "2030-09-01", batch=2)
    assert report.retention.chains_erased == 3  # not capped per run
    actions = _actions(engine)
    assert actions.count("retention.erase") == 2  # 2 + 1 chains
    assert actions.count("retention.forget_subjects") == 2  # one person in each batch
    assert not any(a in ("record.effect_end", "record.retention_end") for a in actions)
    again = _run(engine, ctx, clock, "2030-09-02", batch=2)
    assert again.retention.chains_erased == 0 and _actions(engine) == actions
    _verified(engine)


def test_a_deleted_record_cannot_come_back_by_reingestion(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    """G-31: resending the very statement is a duplicate (its id and content hash are kept);
    a new revision of the chain is refused."""
    _run(engine, ctx, clock, "2026-03-01")
    clock.set(START + timedelta(days=30))
    again = defaulter(OLD, occurred_on="2021-03-01", evidence=_evidence(OLD, "2021-03-01"))
    [resent] = registry.write("city_court", again)
    assert resent.outcome == "duplicate"
    [revived] = registry.write(
        "city_court", {**again, "revision": 2, "occurred_on": "2026-03-15", "action": "correct"}
    )
    assert revived.outcome == "quarantined"
    assert revived.reason is not None and revived.reason.code == "record_deleted"
    assert registry.effective_ids(revived.subject_id or 1) == {
        s["chain_id"] for s in _statements(engine) if s["source_ref"] == NEW
    }


def _inquiry(i: int, at: datetime, subject_id: int | None) -> dict[str, Any]:
    return {
        "id": f"q{i:05d}",
        "at": at,
        "relying_party_id": "demo_airline",
        "principal_id": "airline",
        "purpose": "air_ticket_sale",
        "transaction_ref": f"tx-{i}",
        "subject_id": subject_id,
        "subject_key": "cn_ric:110105198001010016",
        "outcome": "clear",
        "measures": [],
        "valid_until": at + timedelta(days=1),
        "as_of": None,
    }


def add_inquiries(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """As the check service's group commit: the rows and their log entries in one commit."""
    with engine.begin() as conn:
        checks_repo.insert_inquiries(conn, rows)
        audit.record_inquiries(conn, rows)


def test_inquiries_go_after_the_profiles_retention_and_the_log_still_verifies(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    li = _subject_of(engine, LI[1])
    add_inquiries(engine, [_inquiry(i, START + timedelta(days=i), li) for i in range(5)])
    days = ctx.catalogue.profile.inquiry_retention_days  # 730 in the demo's CN profile
    report = _run(engine, ctx, clock, (START + timedelta(days=days + 2)).date().isoformat())
    assert report.retention.inquiries_purged == 2  # made on days 0 and 1
    with engine.connect() as conn:
        left = list(conn.execute(select(inquiries.c.id).order_by(inquiries.c.id)).scalars())
    assert left == ["q00002", "q00003", "q00004"]
    result = _verified(engine)
    assert result.data is not None
    assert (result.data.inquiries, result.data.inquiries_purged) == (3, 2)
    with engine.begin() as conn:  # a retained inquiry deleted by hand is still caught
        conn.execute(text("DELETE FROM inquiries WHERE id = 'q00003'"))
        broken = audit.verify(conn, AUDITED).broken
    assert broken is not None and broken.problem == "row_missing"


def test_a_subject_with_a_retained_inquiry_keeps_its_identifiers_until_it_goes(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    li = _subject_of(engine, LI[1])
    add_inquiries(engine, [_inquiry(1, datetime(2030, 1, 1, tzinfo=UTC), li)])
    _run(engine, ctx, clock, "2030-09-01")
    assert _identifiers(engine) == {"cn_ric:110105198001010016"}  # Li: asked about in 2030
    report = _run(engine, ctx, clock, "2032-01-02")
    assert (report.retention.inquiries_purged, report.retention.subjects_forgotten) == (1, 1)
    assert _identifiers(engine) == set()
    _verified(engine)


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE record_statements SET subject_id = (SELECT max(id) FROM subjects) "
        "WHERE source_ref = '(2021)京0105执001号'",
        "UPDATE record_statements SET occurred_on = '2021-01-01' "
        "WHERE source_ref = '(2021)京0105执001号'",
    ],
    ids=["subject", "date"],
)
def test_a_tombstone_edited_by_hand_is_caught(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock, edit: str
) -> None:
    _run(engine, ctx, clock, "2026-03-01")
    with engine.begin() as conn:
        conn.execute(text(edit))
    with engine.connect() as conn:
        broken = audit.verify(conn, AUDITED).broken
    assert broken is not None and broken.problem == "row_altered"


def test_an_erasure_by_hand_is_caught(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    """Someone who blanks a live record's payload and dresses it as a tombstone, or claims
    a real batch for it, is caught: the batch's digest names the statements it erased."""
    _run(engine, ctx, clock, "2026-03-01")
    [tomb] = [s for s in _statements(engine) if s["source_ref"] == OLD]
    with engine.begin() as conn:
        conn.execute(
            record_statements.update()
            .where(record_statements.c.source_ref == OTHER)
            .values(payload={**tomb["payload"], "batch": tomb["payload"]["batch"] + 1})
        )
        unlogged = audit.verify(conn, AUDITED).broken
        conn.execute(
            record_statements.update()
            .where(record_statements.c.source_ref == OTHER)
            .values(payload=tomb["payload"], evidence=None, provenance=None)
        )
        claimed = audit.verify(conn, AUDITED).broken
    assert unlogged is not None and unlogged.problem == "erasure_unlogged"
    assert claimed is not None and claimed.problem in ("row_altered", "erasure_mismatch")


def test_the_cli_runs_as_of_a_date_and_prints_the_counts(
    registry: Registry, engine: Engine, database_url: str
) -> None:
    result = CliRunner().invoke(
        app,
        ["jobs", "run", "--as-of", "2080-01-01", "--batch", "2"],
        env={"CREDO_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "as of 2080-01-01" in said
    assert "retention: 3 records (4 statements) erased to tombstones" in said
    assert "2 subjects forgotten (2 identifiers removed)" in said
    with engine.connect() as conn:
        at = conn.execute(
            select(audit_log.c.at).where(audit_log.c.action == "retention.erase").limit(1)
        ).scalar_one()
    assert at.startswith("2080-01-01")


def _payloads(engine: Engine, action: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(audit_log.c.payload)
            .where(audit_log.c.action == action)
            .order_by(audit_log.c.seq)
        ).scalars()
        return [json.loads(p) if isinstance(p, str) else p for p in rows]


def _about_chains(engine: Engine) -> dict[str, list[Any]]:
    with engine.connect() as conn:
        return {
            "disputes": list(conn.execute(select(disputes).order_by(disputes.c.id)).mappings()),
            "statements": list(conn.execute(select(subject_statements)).mappings()),
            "repairs": list(conn.execute(select(repair_applications)).mappings()),
        }


def test_what_subjects_said_about_an_erased_record_goes_with_it(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    """Issue 11, item 4 (G-41): at the record's retention end its disputes and claims lose
    their grounds, evidence and reasons (ids, kind, status and dates stay), its subject
    statements are deleted and repair applications for it lose their proof; those about a
    record still in retention stay as they were. Counted in the batch's one entry."""
    zhang = _subject_of(engine, ZHANG[1])
    old, new = ([s for s in _statements(engine) if s["source_ref"] == ref] for ref in (OLD, NEW))
    clock.set(datetime(2025, 6, 2, 9, 0, tzinfo=UTC))  # while the old record is in retention
    with engine.begin() as conn:
        for chain in (old[0]["chain_id"], new[0]["chain_id"]):
            service.open_dispute(
                conn, ctx, zhang, chain, "I paid on 1 May, receipt 4471", evidence={"r": 4471}
            )
            service.attach_statement(conn, ctx, zhang, chain, "Paid in full, see receipt 4471")
            disputes_repo.insert_repair(
                conn,
                {
                    "subject_id": zhang,
                    "target_kind": "record",
                    "target_ref": chain,
                    "condition": "performed",
                    "proof": {"receipt": "4471"},
                    "status": "pending",
                    "applied_at": clock.now(),
                    "deadline_at": clock.now() + timedelta(days=15),
                },
            )
    before = _about_chains(engine)
    report = _run(engine, ctx, clock, "2026-03-01")
    assert report.retention.chains_erased == 1
    kept = report.retention
    assert (kept.disputes_erased, kept.subject_statements_erased, kept.repairs_erased) == (1, 1, 1)
    after = _about_chains(engine)
    erased_dispute, kept_dispute = after["disputes"]
    assert erased_dispute["chain_id"] == old[0]["chain_id"]
    assert erased_dispute["grounds"] == retention.ERASED_TEXT
    assert erased_dispute["evidence"] is None and erased_dispute["reasons"] is None
    for column in ("id", "kind", "opened_at", "deadline_at", "subject_id", "record_id"):
        assert erased_dispute[column] == before["disputes"][0][column]
    assert erased_dispute["status"] == kept_dispute["status"] == "unverified"  # the job's
    assert kept_dispute["reasons"] == "not verified by the deadline (G-27)"
    for column in ("grounds", "evidence"):
        assert kept_dispute[column] == before["disputes"][1][column]
    assert [s["chain_id"] for s in after["statements"]] == [new[0]["chain_id"]]
    proofs = {r["target_ref"]: r["proof"] for r in after["repairs"]}
    assert proofs == {
        old[0]["chain_id"]: {"erased": "retention_ended"},
        new[0]["chain_id"]: {"receipt": "4471"},
    }
    [entry] = _payloads(engine, "retention.erase")
    assert (entry["disputes"], entry["subject_statements"], entry["repair_applications"]) == (
        1,
        1,
        1,
    )
    _verified(engine)


def _refused_row(number: int, at: datetime) -> dict[str, Any]:
    return {
        "source_key": "court-2026.csv",
        "row_number": number,
        "furnisher_id": "city_court",
        "reason_code": "invalid_identifier",
        "detail": "cn_ric: the check digit does not match",
        "raw": {"name": "Zhang San", "id_number": f"11010519491231{number:04d}"},
        "created_at": at,
    }


def test_quarantined_rows_go_after_the_profiles_quarantine_retention(
    registry: Registry, engine: Engine, ctx: WriteContext, clock: FixedClock
) -> None:
    """Issue 11, item 4 (G-41): refused input rows hold raw personal data that was never
    accepted; they are deleted once older than the profile's ``quarantine_retention_days``
    (90 in the CN profile), in batches with one ``retention.quarantine`` entry each, by the
    purge that ``credo jobs run`` runs after the jobs."""
    days = ctx.catalogue.profile.quarantine_retention_days
    assert days == 90
    with engine.begin() as conn:
        ingest_repo.add_quarantine(
            conn, [_refused_row(n, START + timedelta(days=n)) for n in range(1, 6)]
        )
    cut = (START + timedelta(days=days + 4)).date()  # rows of days 1 to 3 are past it
    assert _purge_quarantine(engine, ctx, clock, cut) == (3, 2)
    with engine.connect() as conn:
        left = list(conn.execute(select(quarantine.c.row_number)).scalars())
    assert sorted(left) == [4, 5]
    purges = _payloads(engine, "retention.quarantine")
    assert [p["purged"] for p in purges] == [2, 1]  # one entry per batch
    assert _purge_quarantine(engine, ctx, clock, cut) == (0, 0)
    _verified(engine)
