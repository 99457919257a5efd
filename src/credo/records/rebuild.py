"""The current view is derived: it can be rebuilt from the append-only statements at any time
(after a restore, or to prove that the incremental view never drifted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from credo.records.repository import upsert_current
from credo.records.service import fold_statement
from credo.records.tables import record_current, record_statements


def derive_current(conn: Connection, now: datetime) -> dict[str, dict[str, Any]]:
    """Fold every chain's statements in revision order, as the write path does."""
    current: dict[str, dict[str, Any]] = {}
    rows = conn.execute(
        select(record_statements).order_by(
            record_statements.c.chain_id, record_statements.c.revision
        )
    ).mappings()
    for row in rows:
        current[row["chain_id"]] = fold_statement(current.get(row["chain_id"]), dict(row), now)
    return current


def rebuild_current(conn: Connection, now: datetime) -> int:
    """Replace the current view with one derived from the statements; returns the chains."""
    derived = derive_current(conn, now)
    conn.execute(record_current.delete())
    upsert_current(conn, list(derived.values()))
    return len(derived)
