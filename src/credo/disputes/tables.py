"""Disputes and "not me" claims, and repair applications (the subject statements and expiry
marks they touch are records' tables, in ``credo.records.tables``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table, Text

from credo.db.metadata import JsonType, metadata


def _workflow(opened_at: str, extra: Column[Any], resolved_at: str, resolved_by: str) -> list[Any]:
    """The columns of the one case workflow (credo.disputes.cases), under the names each table
    gives them (credo.disputes.repository.STORES); ``extra`` is the table's own flag."""
    return [
        Column("status", String(16), nullable=False),
        Column(opened_at, DateTime(timezone=True), nullable=False),
        Column("deadline_at", DateTime(timezone=True), nullable=False),
        extra,
        Column(resolved_at, DateTime(timezone=True)),
        Column(resolved_by, String(64)),
        Column("reasons", Text),
    ]


# A dispute (G-26) or an identity claim (G-20) against one record chain.
disputes = Table(
    "disputes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # dispute | identity_claim
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=False),
    Column("chain_id", String(32), nullable=False),
    Column("record_id", String(32), nullable=False),
    Column("furnisher_id", String(64), nullable=False),
    Column("category", String(24), nullable=False),
    Column("grounds", Text, nullable=False),
    Column("evidence", JsonType),
    # status: open | corrected | deleted | upheld | frivolous | unverified | confirmed | rejected
    *_workflow(
        "opened_at",
        Column("extended", Boolean, nullable=False, default=False),
        "resolved_at",
        "resolved_by",
    ),
    Index("ix_disputes_subject", "subject_id"),
    Index("ix_disputes_open", "status", "deadline_at"),
    Index("ix_disputes_chain", "chain_id"),
)

# Credit repair (G-42): an application with proof, decided by a deadline.
repair_applications = Table(
    "repair_applications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("subject_id", Integer, ForeignKey("subjects.id"), nullable=False, index=True),
    Column("target_kind", String(16), nullable=False),  # record | list_entry
    Column("target_ref", String(64), nullable=False),
    Column("condition", Text, nullable=False),
    Column("proof", JsonType, nullable=False),
    # status: pending | approved | rejected
    *_workflow(
        "applied_at",
        Column("overdue_flagged_at", DateTime(timezone=True)),
        "decided_at",
        "decided_by",
    ),
)
