"""Concurrent appenders never fork the chain and never fail: each transaction waits for the
chain's lock (PostgreSQL advisory lock, SQLite write lock) before reading the head."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import Engine

from credo.audit import service as audit
from harness.audited import AUDITED

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_concurrent_appends_make_one_verifiable_chain(engine: Engine) -> None:
    def work(worker: int) -> None:
        for step in range(15):
            with engine.begin() as conn:
                audit.append(conn, f"worker:{worker}", "test.step", None, {"step": step}, T0)

    with ThreadPoolExecutor(max_workers=4) as pool:
        for future in [pool.submit(work, w) for w in range(4)]:
            future.result()  # re-raises any failure of a worker
    with engine.connect() as conn:
        result = audit.verify(conn, AUDITED)
    assert result.ok, result.broken
    assert result.checked == 60
