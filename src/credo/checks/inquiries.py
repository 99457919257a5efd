"""Group commit of inquiries (G-24): every check waits until its inquiry row is committed.

Concurrent checks queue their rows; one writer task takes everything queued (waiting at most
``max_wait_s`` after the first row for more to join), commits the rows and their audit entries
in one transaction on its own thread and connection, and only then releases the waiting
checks. Under load, many inquiries share one commit, so durability is never traded for
throughput. If the commit fails, every check in the batch fails (no decision leaves without
its inquiry)."""

from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Connection, Engine

from credo.audit import service as audit
from credo.checks import repository
from credo.checks.background import Background
from credo.errors import CredoError

MAX_BATCH = 2000


class InquiryNotRecorded(
    CredoError,
    status=503,
    code="inquiry_not_recorded",
    title="The inquiry could not be recorded, so no decision is given",
):
    """No answer without its inquiry on record (G-24): the relying party may retry."""


class InquiryWriter(Background):
    def __init__(self, engine: Engine, max_wait_s: float = 0.0) -> None:
        self._engine = engine
        self._max_wait_s = max_wait_s
        self._queue: asyncio.Queue[tuple[dict[str, Any], asyncio.Future[None]]] = asyncio.Queue()
        # one thread and one connection for every commit: no pool check-out per batch
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="inquiry-writer")
        self._conn: Connection | None = None

    async def stop(self) -> None:
        await super().stop()
        await asyncio.get_running_loop().run_in_executor(self._thread, self._close)

    async def record(self, row: dict[str, Any]) -> None:
        """Return once ``row`` is committed; raise InquiryNotRecorded if it cannot be."""
        if self._task is None or self._task.done():
            raise InquiryNotRecorded("the inquiry log is not running")
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((row, done))
        await done

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            if self._max_wait_s:  # bounded: let the checks arriving meanwhile share the commit
                await asyncio.sleep(self._max_wait_s)
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            rows = [row for row, _ in batch]
            try:
                await asyncio.get_running_loop().run_in_executor(self._thread, self._commit, rows)
            except Exception as exc:  # the whole batch is refused, never half-acknowledged
                for _, done in batch:
                    if not done.done():
                        done.set_exception(InquiryNotRecorded(f"inquiry log failed: {exc}"))
                continue
            for _, done in batch:
                if not done.done():
                    done.set_result(None)

    def _commit(self, rows: list[dict[str, Any]]) -> None:
        if self._conn is None:
            self._conn = self._engine.connect()
        try:
            with self._conn.begin():
                log_inquiries(self._conn, rows)
        except Exception:
            self._close()  # a broken connection is not reused
            raise

    def _close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None


def log_inquiries(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Store inquiry rows and their audit entries (G-47) in ``conn``'s transaction: checks,
    and subscriptions and their events (credo.checks.subscriptions)."""
    if rows:
        repository.insert_inquiries(conn, rows)
        audit.record_inquiries(conn, rows)
