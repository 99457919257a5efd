"""The hash-chained audit log (G-47) and the catalogue-change approvals (G-48)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Text

from credo.db.columns import serial, stamp, status, subject_id, subject_index
from credo.db.metadata import JsonType, table

# Append-only. Each row's hash covers its own fields and the previous row's hash, so an edit
# or a deletion anywhere breaks the chain from that row on. ``at`` and ``payload`` are stored
# as the exact text that was hashed, so no database type conversion can change them.
audit_log = table(
    "audit_log",
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action", String(64), nullable=False),
    subject_id(null=True),  # no foreign key: the log outlives anything it mentions
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    subject_index("audit_log"),
)

# The newest link, kept apart so that deleting the tail of the log is detected too.
audit_head = table(
    "audit_head",
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)

# A catalogue change goes live only when an operator other than its author approves it.
catalogue_changes = table(
    "catalogue_changes",
    serial(),
    Column("title", String(200), nullable=False),
    Column("change", JsonType, nullable=False),
    Column("impact_assessment_ref", String(64), nullable=False),
    status(),  # proposed | approved | rejected
    *stamp("proposed", null=False, by_first=True),
    *stamp("decided", by_first=True),
    Column("reasons", Text),
)
