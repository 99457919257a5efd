"""Real-time re-evaluation of lists when a subject's records change: runs inside the write
transaction, so the stored entry lifecycle is current when the write is acknowledged (the
subscribers' outbox has its own hook, ``credo.checks.subscriptions.make_hook``). Decisions
themselves derive entries from records (G-16)."""

from __future__ import annotations

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.clock import Clock
from credo.lists.service import refresh_entries
from credo.records.service import SubjectHook


def make_hook(catalogue: Catalogue, clock: Clock) -> SubjectHook:
    def hook(
        conn: Connection, subject_ids: set[int], record_types: frozenset[str] | None = None
    ) -> None:
        refresh_entries(conn, catalogue, sorted(subject_ids), clock.now())

    return hook
