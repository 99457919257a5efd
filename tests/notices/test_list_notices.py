"""G-22: a new list entry produces one prior notice to the subject, with the reasons, the
legal basis, the objection window and the date it takes effect (real write path and hooks)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine

from credo.clock import FixedClock
from credo.context import build_context
from credo.notices import repository as notices_repo
from credo.settings import Settings
from tests.disputes.conftest import Registry


def test_g22_a_new_list_entry_is_noticed_once(engine: Engine, database_url: str) -> None:
    clock = FixedClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    ctx = build_context(Settings(database_url=database_url), clock=clock, engine=engine)
    registry = Registry(engine, ctx.write_context(), run_hooks=True)  # ratings, lists, notices
    record = registry.defaulter("(2026)京0105执1号", occurred_on="2026-03-01")
    assert record.subject_id is not None
    with engine.begin() as conn:
        for hook in ctx.hooks:  # a second pass changes nothing: one notice per entry
            hook(conn, {record.subject_id})
        notices = [
            n
            for n in notices_repo.of_subject(conn, record.subject_id)
            if n["kind"] == "list_entry_notice"
        ]
    assert len(notices) == 1
    body = notices[0]["body"]
    assert "Fa Shi [2017] No. 7" in body and "within 15 days" in body
    assert "takes effect on 16 Mar 2026" in body
