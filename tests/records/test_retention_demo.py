"""The must-show of issue 11: a retention run at a clock of 2080 on a (small) demo city, with
inquiries, leaves no payload and no full identifier past retention, and the audit log and
the data still verify. The counts are printed (``pytest -s``)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from credo.audit import rows as audit_rows
from credo.audit import service as audit
from credo.audit.tables import audit_log
from credo.checks.tables import inquiries
from credo.cli.main import app
from credo.clock import FixedClock
from credo.context import build_context
from credo.demo.build import build_demo
from credo.demo.population import DemoSize
from credo.disputes.tables import disputes
from credo.ingest.tables import quarantine
from credo.records import retention
from credo.records.tables import record_current, record_statements, subject_statements
from credo.settings import Settings
from credo.subjects.tables import review_items, subject_identifiers, subjects
from harness.audited import AUDITED
from tests.records.test_retention import add_inquiries

SIZE = DemoSize(persons=200, organisations=40, public_bodies=3)
TODAY = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def _build(database_url: str, engine: Engine) -> None:
    ctx = build_context(Settings(database_url=database_url), clock=FixedClock(TODAY), engine=engine)
    build_demo(ctx, SIZE, seed=11)
    with engine.connect() as conn:
        ids = list(conn.execute(select(subjects.c.id)).scalars())
    pick = random.Random(11)
    add_inquiries(engine, [_inquiry(i, pick.choice(ids)) for i in range(120)])


def _inquiry(i: int, subject_id: int) -> dict[str, Any]:
    at = TODAY - timedelta(days=i * 5)
    return {
        "id": f"demo-q{i:04d}",
        "at": at,
        "relying_party_id": "demo_bank",
        "principal_id": "bank1",
        "purpose": "consumer_credit",
        "transaction_ref": f"loan-{i}",
        "subject_id": subject_id,
        "subject_key": f"subject:{subject_id}",
        "outcome": "clear",
        "measures": [],
        "valid_until": at + timedelta(days=1),
        "as_of": None,
    }


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        statements = list(
            conn.execute(
                select(
                    record_statements.c.payload,
                    record_statements.c.evidence,
                    record_statements.c.provenance,
                )
            )
        )
        current = list(conn.execute(select(record_current.c.payload)).scalars())
        with_records = select(record_current.c.subject_id)
        people = select(func.count()).select_from(subjects)
        return {
            "statements": len(statements),
            "statements_with_payload": sum(
                1 for p, e, v in statements if audit_rows.tombstone_of(p) is None or e or v
            ),
            "current_with_payload": sum(1 for p in current if audit_rows.tombstone_of(p) is None),
            "subjects": conn.execute(people).scalar_one(),
            "identifiers": _count(conn, subject_identifiers),
            "identifiers_of_subjects_with_records": _count(
                conn, subject_identifiers, subject_identifiers.c.subject_id.in_(with_records)
            ),
            "names_of_subjects_with_records": _count(
                conn,
                subjects,
                subjects.c.id.in_(with_records),
                subjects.c.display_name.is_not(None),
            ),
            "review_items_with_payload": _count(
                conn, review_items, review_items.c.payload.is_not(None)
            ),
            "inquiries": _count(conn, inquiries),
            # what subjects said about records, and refused input rows (issue 11, item 4)
            "dispute_grounds": _count(conn, disputes, disputes.c.grounds != retention.ERASED_TEXT),
            "subject_statements": _count(conn, subject_statements),
            "quarantined_rows": _count(conn, quarantine),
            "audit_entries": _count(conn, audit_log),
        }


def _count(conn: Any, table: Any, *where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


def test_a_retention_run_in_2080_leaves_no_payload_and_no_full_identifier(
    database_url: str, engine: Engine
) -> None:
    _build(database_url, engine)
    before = _counts(engine)
    result = CliRunner().invoke(
        app,
        ["jobs", "run", "--as-of", "2080-01-01", "--batch", "1000"],
        env={"CREDO_DATABASE_URL": database_url},
    )
    assert result.exit_code == 0, result.output
    after = _counts(engine)
    with engine.connect() as conn:
        verified = audit.verify(conn, AUDITED)
    print(f"\n[{engine.dialect.name}] before: {before}\n{' '.join(result.output.split())}")
    print(f"[{engine.dialect.name}] after: {after}\nverified: {verified}")
    assert before["statements_with_payload"] == before["statements"] > 1000
    assert after["statements"] == before["statements"]  # tombstones stay
    assert after["statements_with_payload"] == 0
    assert after["current_with_payload"] == 0
    assert after["identifiers_of_subjects_with_records"] == 0
    assert after["identifiers"] == 0  # registered without records in 2026: nothing left either
    assert after["names_of_subjects_with_records"] == 0
    assert after["review_items_with_payload"] == 0
    assert after["inquiries"] == 0
    assert after["dispute_grounds"] == after["subject_statements"] == 0
    assert after["quarantined_rows"] == 0
    # A handful of entries per batch, not one per record.
    assert after["audit_entries"] - before["audit_entries"] < 60
    assert verified.ok, verified.broken
    assert verified.data is not None
    assert verified.data.tombstones == before["statements"]
    assert verified.data.inquiries_purged == 120
