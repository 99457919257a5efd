"""All SQL of governance: the stored simulations and the activated versions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, RowMapping, select

from credo.db.sql import chunks
from credo.governance.tables import (
    catalogue_rule_versions,
    catalogue_simulations,
    catalogue_versions,
)

# -- simulations attached to changes --------------------------------------------------------


def insert_simulation(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(catalogue_simulations.insert().returning(catalogue_simulations.c.id), row)
    return int(result.scalar_one())


def simulation_of_change(conn: Connection, change_id: int) -> RowMapping | None:
    query = select(catalogue_simulations).where(catalogue_simulations.c.change_id == change_id)
    return conn.execute(query).mappings().first()


def simulations_of_changes(conn: Connection, change_ids: Sequence[int]) -> dict[int, RowMapping]:
    """change id -> the summary of its simulation, for the changes that have one."""
    s = catalogue_simulations.c
    found: dict[int, RowMapping] = {}
    for part in chunks(sorted(set(change_ids)), 900):
        shown = (s[name] for name in ("catalogue_hash", "as_of", "ran_at", "sha256", "summary"))
        query = select(s.change_id, s.id.label("simulation_id"), *shown)
        query = query.where(s.change_id.in_(part))
        found.update({row["change_id"]: row for row in conn.execute(query).mappings()})
    return found


# -- activated versions ---------------------------------------------------------------------


def insert_version(conn: Connection, row: dict[str, Any]) -> int:
    result = conn.execute(catalogue_versions.insert().returning(catalogue_versions.c.id), row)
    return int(result.scalar_one())


def insert_rule_versions(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        conn.execute(catalogue_rule_versions.insert(), list(rows))


def latest_version(conn: Connection) -> RowMapping | None:
    query = select(catalogue_versions).order_by(catalogue_versions.c.id.desc()).limit(1)
    return conn.execute(query).mappings().first()


def rule_history(conn: Connection) -> list[RowMapping]:
    """Every recorded rule version, oldest first (the public catalogue page's history)."""
    r = catalogue_rule_versions.c
    query = select(catalogue_rule_versions).order_by(r.section, r.rule_id, r.id)
    return list(conn.execute(query).mappings())
