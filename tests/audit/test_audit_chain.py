"""G-47: the hash-chained audit log. Tampering behind the application's back (editing,
deleting in the middle, deleting the tail, relinking) is found by verification."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from credo.audit import service as audit
from credo.audit.tables import audit_log
from harness.audited import AUDITED

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def _fill(engine: Engine, count: int = 6) -> None:
    with engine.begin() as conn:
        for i in range(count):
            audit.append(
                conn, "operator:ann", "test.step", i or None, {"i": i, "day": T0.date()}, T0
            )


def test_an_untouched_chain_verifies(engine: Engine) -> None:
    _fill(engine)
    with engine.begin() as conn:
        audit.append_many(
            conn,
            [audit.AuditEntry("furnisher:x", "record.assert", 1, {"n": n}, T0) for n in range(3)],
        )
    with engine.connect() as conn:
        result = audit.verify(conn, AUDITED)
    assert result.ok, result.broken
    assert result.checked == 9 and result.head_seq == 9


def test_an_empty_log_verifies(engine: Engine) -> None:
    with engine.connect() as conn:
        assert audit.verify(conn, AUDITED).ok


@pytest.mark.parametrize(
    ("statement", "problem", "seq"),
    [
        ("UPDATE audit_log SET payload = '[99]' WHERE seq = 3", "altered_entry", 3),
        ("UPDATE audit_log SET actor = 'operator:eve' WHERE seq = 2", "altered_entry", 2),
        ("UPDATE audit_log SET subject_id = 42 WHERE seq = 4", "altered_entry", 4),
        ("DELETE FROM audit_log WHERE seq = 4", "missing_entries", 4),
        ("DELETE FROM audit_log WHERE seq = 1", "missing_entries", 1),
        ("DELETE FROM audit_log WHERE seq >= 5", "truncated", 5),
        ("DELETE FROM audit_head", "head_missing", 6),
    ],
)
def test_tampering_is_found_at_the_first_broken_link(
    engine: Engine, statement: str, problem: str, seq: int
) -> None:
    _fill(engine)
    with engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        result = audit.verify(conn, AUDITED)
    assert not result.ok
    assert result.broken is not None
    assert (result.broken.problem, result.broken.seq) == (problem, seq)


def test_a_rewritten_entry_with_a_fresh_hash_breaks_the_next_link(engine: Engine) -> None:
    """A forger who recomputes the edited entry's own hash still breaks its successor."""
    _fill(engine)
    with engine.begin() as conn:
        row = conn.execute(audit_log.select().where(audit_log.c.seq == 2)).mappings().one()
        forged = audit.link_hash(
            2, row["at"], "operator:eve", row["action"], None, row["payload"], row["prev_hash"]
        )
        conn.execute(
            audit_log.update()
            .where(audit_log.c.seq == 2)
            .values(actor="operator:eve", subject_id=None, hash=forged)
        )
    with engine.connect() as conn:
        broken = audit.verify(conn, AUDITED).broken
    assert broken is not None and (broken.problem, broken.seq) == ("relinked_entry", 3)


def test_the_chain_continues_across_transactions(engine: Engine) -> None:
    for day in range(3):
        with engine.begin() as conn:
            audit.append(conn, "scheduler", "jobs.run", None, {}, T0 + timedelta(days=day))
    with engine.connect() as conn:
        rows = conn.execute(audit_log.select().order_by(audit_log.c.seq)).mappings().all()
        assert [r["seq"] for r in rows] == [1, 2, 3]
        assert rows[1]["prev_hash"] == rows[0]["hash"]
        assert audit.verify(conn, AUDITED).ok


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    payloads=st.lists(st.dictionaries(st.text(max_size=10), json_values, max_size=4), max_size=5),
    actor=st.text(min_size=1, max_size=30),
)
def test_any_payload_round_trips_and_verifies(
    engine: Engine, payloads: list[dict[str, object]], actor: str
) -> None:
    """Whatever a caller logs, the stored text is what was hashed: the chain verifies."""
    with engine.begin() as conn:
        audit.append_many(conn, [audit.AuditEntry(actor, "prop", None, p, T0) for p in payloads])
        result = audit.verify(conn, AUDITED)
        assert result.ok, result.broken
        conn.rollback()


def test_inquiries_are_logged_as_decisions(engine: Engine) -> None:
    """The helper the check service's group commit calls, one batch per commit."""
    rows = [
        {
            "id": f"d{i}",
            "at": T0,
            "relying_party_id": "demo_airline",
            "principal_id": "airline",
            "purpose": "air_ticket_sale",
            "subject_id": i or None,
            "subject_key": "cn_ric:x",
            "outcome": "restricted",
            "measures": ["no_air_travel"],
        }
        for i in range(3)
    ]
    with engine.begin() as conn:
        audit.record_inquiries(conn, rows)
    with engine.connect() as conn:
        logged = conn.execute(audit_log.select().order_by(audit_log.c.seq)).mappings().all()
        assert audit.verify(conn).ok  # the chain; the rows were never inserted
        assert audit.verify(conn, AUDITED).broken == audit.BrokenLink(
            1, "row_missing", "inquiry d0 was deleted"
        )
    assert [r["actor"] for r in logged] == ["relying_party:demo_airline"] * 3
    assert [r["subject_id"] for r in logged] == [None, 1, 2]
    assert '"decision_id":"d2"' in logged[2]["payload"]
