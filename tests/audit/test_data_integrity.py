"""Tamper evidence over the data (issue 11): ``audit.verify`` and ``credo audit verify`` compare
every record statement and inquiry (decision) row with the digest its log entry holds, and
find rows that have no entry, on SQLite and PostgreSQL. Each edit is an ``UPDATE``,
``DELETE`` or ``INSERT`` behind the application's back, in plain SQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from credo.audit import service as audit
from credo.audit.integrity import DataVerifier
from credo.catalog.loader import load_catalogue
from credo.checks import repository as checks_repo
from credo.cli.main import app
from credo.clock import FixedClock
from credo.records.service import WriteContext, nothing_held
from credo.settings import DEMO_CATALOG
from harness.audited import AUDITED
from tests.disputes.conftest import LI, START, Registry, defaulter

SOURCE = "(2025)京0105执123号"


def _inquiry(i: int, subject_id: int | None) -> dict[str, Any]:
    return {
        "id": f"decision{i:04d}",
        "at": START + timedelta(minutes=i),
        "relying_party_id": "demo_airline",
        "principal_id": "airline",
        "purpose": "air_ticket_sale",
        "transaction_ref": f"tx-{i}",
        "subject_id": subject_id,
        "subject_key": "cn_ric:11010519491231002X",
        "outcome": "restricted",
        "measures": ["no_air_travel"],
        "valid_until": START + timedelta(days=1),
        "as_of": None,
    }


def record_inquiries(engine: Engine, rows: list[dict[str, Any]]) -> None:
    """What the check service's group commit does: the rows and their entries, one commit."""
    with engine.begin() as conn:
        checks_repo.insert_inquiries(conn, rows)
        audit.record_inquiries(conn, rows)


@pytest.fixture
def world(engine: Engine) -> Registry:
    """Two records (one corrected) about two people, and two inquiries."""
    ctx = WriteContext(load_catalogue(DEMO_CATALOG), FixedClock(START), holds=nothing_held)
    registry = Registry(engine, ctx)
    first = registry.defaulter(SOURCE)
    registry.write("city_court", defaulter(SOURCE, revision=2, payload=_corrected()))
    registry.defaulter("(2025)京0105执777号", identifiers=LI)
    record_inquiries(engine, [_inquiry(i, first.subject_id) for i in range(2)])
    return registry


def _corrected() -> dict[str, Any]:
    return {
        "case_number": SOURCE,
        "court": "Chaoyang District Court",
        "obligation": "pay_money",
        "amount": 90000,
        "circumstance": "refusing_with_ability",
    }


def _verify(engine: Engine) -> audit.Verification:
    with engine.connect() as conn:
        return audit.verify(conn, AUDITED)


def _sql(engine: Engine, statement: str) -> None:
    with engine.begin() as conn:
        assert conn.execute(text(statement)).rowcount >= 1


def test_an_untouched_registry_verifies_with_every_row_counted(
    world: Registry, engine: Engine
) -> None:
    result = _verify(engine)
    assert result.ok, result.broken
    assert result.data is not None
    assert (result.data.statements, result.data.inquiries) == (3, 2)


JSON_EDIT = {
    "sqlite": "UPDATE record_statements SET payload = json_set(payload, '$.amount', 1)",
    "postgresql": "UPDATE record_statements SET payload = jsonb_set(payload, '{amount}', '1')",
}


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE record_statements SET source_ref = 'another case' WHERE revision = 2",
        "UPDATE record_statements SET effective_from = '2020-01-01' WHERE revision = 2",
        "UPDATE record_statements SET subject_id = (SELECT min(id) FROM subjects) "
        "WHERE subject_id = (SELECT max(id) FROM subjects)",
        "json",
    ],
    ids=["text-column", "date-column", "subject", "payload-json"],
)
def test_an_update_of_a_record_statement_is_caught(
    world: Registry, engine: Engine, edit: str
) -> None:
    statement = JSON_EDIT[engine.dialect.name] + " WHERE revision = 2" if edit == "json" else edit
    _sql(engine, statement)
    result = _verify(engine)
    assert result.broken is not None
    assert result.broken.problem == "row_altered"
    assert "record statement" in result.broken.detail


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE inquiries SET outcome = 'clear' WHERE id = 'decision0001'",
        "UPDATE inquiries SET purpose = 'consumer_credit' WHERE id = 'decision0000'",
        "UPDATE inquiries SET transaction_ref = 'nothing to see' WHERE id = 'decision0000'",
        "UPDATE inquiries SET at = at + interval '1 day' WHERE id = 'decision0001'",
    ],
    ids=["outcome", "purpose", "transaction", "time"],
)
def test_an_update_of_an_inquiry_is_caught(world: Registry, engine: Engine, edit: str) -> None:
    if engine.dialect.name == "sqlite" and "interval" in edit:
        edit = "UPDATE inquiries SET at = '2027-01-01 00:00:00.000000' WHERE id = 'decision0001'"
    _sql(engine, edit)
    result = _verify(engine)
    assert result.broken is not None
    assert result.broken.problem == "row_altered"
    assert "inquiry decision000" in result.broken.detail


def test_a_deleted_row_is_caught(world: Registry, engine: Engine) -> None:
    _sql(engine, "DELETE FROM inquiries WHERE id = 'decision0001'")
    broken = _verify(engine).broken
    assert broken is not None and broken.problem == "row_missing"
    assert broken.detail == "inquiry decision0001 was deleted"


def test_a_row_without_its_entry_is_caught(world: Registry, engine: Engine) -> None:
    _sql(
        engine,
        "INSERT INTO inquiries (id, at, relying_party_id, principal_id, purpose, "
        "transaction_ref, subject_id, subject_key, outcome, measures, valid_until) "
        "SELECT 'forged', at, relying_party_id, principal_id, purpose, transaction_ref, "
        "subject_id, subject_key, outcome, measures, valid_until FROM inquiries "
        "WHERE id = 'decision0000'",
    )
    broken = _verify(engine).broken
    assert broken is not None and broken.problem == "row_without_entry"
    assert broken.detail == "inquiry forged has no entry in the audit log"


def test_a_statement_without_its_entry_is_caught(world: Registry, engine: Engine) -> None:
    with engine.begin() as conn:
        columns = [c for c in _statement_columns(conn) if c != "record_id"]
        listed = ", ".join(columns)
        conn.execute(
            text(
                f"INSERT INTO record_statements (record_id, {listed}) "
                f"SELECT 'f0rged', {listed.replace('revision', 'revision + 10')} "
                "FROM record_statements WHERE revision = 2"
            )
        )
    broken = _verify(engine).broken
    assert broken is not None and broken.problem == "row_without_entry"
    assert "record statement f0rged" in broken.detail


def _statement_columns(conn: Any) -> list[str]:
    from credo.records.tables import record_statements

    return [c.name for c in record_statements.columns]


def test_the_cli_names_the_altered_row(world: Registry, engine: Engine, database_url: str) -> None:
    env = {"CREDO_DATABASE_URL": database_url}
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"], env=env)
    assert ok.exit_code == 0, ok.output
    said = " ".join(ok.output.split())
    assert "3 record statements" in said and "2 inquiries" in said
    _sql(engine, "UPDATE inquiries SET outcome = 'clear'")
    broken = runner.invoke(app, ["audit", "verify"], env=env)
    assert broken.exit_code == 1
    assert "(row_altered): inquiry decision0000 does not match" in " ".join(broken.output.split())


def test_entries_written_before_row_digests_are_checked_on_their_fields(
    world: Registry, engine: Engine
) -> None:
    """An older log carries the content hash and ids but no ``row_hash``: the verifier still
    compares the fields such an entry names."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM record_statements WHERE revision = 2")).mappings()
        stored = row.one()
        payload = {k: stored[k] for k in ("record_id", "chain_id", "revision", "record_type")}
        legacy = {
            "seq": 99,
            "action": "record.correct",
            "subject_id": stored["subject_id"],
            "payload": orjson.dumps({**payload, "content_hash": stored["content_hash"]}).decode(),
        }
        assert DataVerifier.start(conn, AUDITED).feed([legacy]) is None  # type: ignore[list-item]
        forged = {**legacy, "payload": orjson.dumps({**payload, "content_hash": "0"}).decode()}
        problem = DataVerifier.start(conn, AUDITED).feed([forged])  # type: ignore[list-item]
    assert problem is not None and (problem.seq, problem.problem) == (99, "row_altered")


def test_verification_is_fast_enough_to_run_often(world: Registry, engine: Engine) -> None:
    rows = [_inquiry(i, None) for i in range(10, 2010)]
    record_inquiries(engine, rows)
    started = datetime.now(UTC)
    result = _verify(engine)
    assert result.ok and result.data is not None and result.data.inquiries == 2002
    assert datetime.now(UTC) - started < timedelta(seconds=30)
