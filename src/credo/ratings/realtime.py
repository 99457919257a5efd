"""Real-time re-evaluation of ratings when a subject's records change (placeholder: no-op)."""

from __future__ import annotations

from sqlalchemy import Connection

from credo.catalog.catalogue import Catalogue
from credo.clock import Clock
from credo.records.service import SubjectHook


def make_hook(catalogue: Catalogue, clock: Clock) -> SubjectHook:
    def hook(conn: Connection, subject_ids: set[int]) -> None:
        return None

    return hook
