"""Disputes and "not me" claims, and repair applications (the subject statements and expiry
marks they touch are records' tables, in ``credo.records.tables``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Column, Index, String, Text

from credo.db.columns import moment, serial, stamp, status, subject_fk, subject_index
from credo.db.metadata import JsonType, table


def _workflow(opened_at: str, extra: Column[Any], settled: str) -> list[Column[Any]]:
    """The columns of the one case workflow (credo.disputes.cases), under the names each table
    gives them (credo.disputes.repository.STORES): ``<settled>_at`` and ``<settled>_by`` say
    when and by whom a case was settled; ``extra`` is the table's own flag."""
    return [
        status(),
        moment(opened_at),
        moment("deadline_at"),
        extra,
        *stamp(settled),
        Column("reasons", Text),
    ]


# A dispute (G-26) or an identity claim (G-20) against one record chain.
disputes = table(
    "disputes",
    serial(),
    Column("kind", String(16), nullable=False),  # dispute | identity_claim
    subject_fk(),
    Column("chain_id", String(32), nullable=False),
    Column("record_id", String(32), nullable=False),
    Column("furnisher_id", String(64), nullable=False),
    Column("category", String(24), nullable=False),
    Column("grounds", Text, nullable=False),
    Column("evidence", JsonType),
    # status: open | corrected | deleted | upheld | frivolous | unverified | confirmed | rejected
    *_workflow("opened_at", Column("extended", Boolean, nullable=False, default=False), "resolved"),
    subject_index("disputes"),
    Index("ix_disputes_open", "status", "deadline_at"),
    Index("ix_disputes_chain", "chain_id"),
)

# Credit repair (G-42): an application with proof, decided by a deadline.
repair_applications = table(
    "repair_applications",
    serial(),
    subject_fk(index=True),
    Column("target_kind", String(16), nullable=False),  # record | list_entry
    Column("target_ref", String(64), nullable=False),
    Column("condition", Text, nullable=False),
    Column("proof", JsonType, nullable=False),
    # status: pending | approved | rejected
    *_workflow("applied_at", moment("overdue_flagged_at", null=True), "decided"),
)
