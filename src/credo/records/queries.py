"""What other packages read about records, as plain values (the one way in besides the write
path in ``credo.records.service``): nobody outside credo.records reads its tables."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import Connection

from credo.records import repository


@dataclass(frozen=True)
class SubjectStatement:
    """The subject's own words about a record chain, which travel with it (G-32)."""

    id: int
    subject_id: int
    chain_id: str
    text: str
    created_at: datetime


def subject_statements(
    conn: Connection, chain_ids: Sequence[str]
) -> dict[str, list[SubjectStatement]]:
    """Each chain's subject statements, oldest first (chains with none are absent)."""
    return {
        chain_id: [
            SubjectStatement(r["id"], r["subject_id"], r["chain_id"], r["text"], r["created_at"])
            for r in rows
        ]
        for chain_id, rows in repository.subject_statements_of_chains(conn, chain_ids).items()
    }


def statement_texts(conn: Connection, chain_ids: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """For decisions: the texts of each chain's subject statements, oldest first (G-32)."""
    if not chain_ids:
        return {}
    return {
        chain_id: tuple(r["text"] for r in rows)
        for chain_id, rows in repository.subject_statements_of_chains(conn, chain_ids).items()
    }


class EndedChain(NamedTuple):
    """A chain whose effect period (``effect_end``) or retention (``retention_end``) ended
    ``on`` a day the scheduled job has not processed yet."""

    chain_id: str
    subject_id: int
    kind: str
    on: date


def newly_ended(conn: Connection, today: date, limit: int) -> list[EndedChain]:
    """Up to ``limit`` chains of each kind that ended on or before ``today``, unmarked."""
    return [EndedChain(*row) for row in repository.newly_ended(conn, today, limit)]
