"""The assessments of catalogue changes and the catalogue versions that went live.

``catalogue_simulations``: the simulation attached to a proposed change (G-48), as its JSON
document with the document's SHA-256 (also written to the audit log), the content hash of the
catalogue it simulated and the registry state it ran on. ``catalogue_versions``: each
activation; ``catalogue_rule_versions``: the rules an activation added or changed, with the
published summary of the assessment, for the public catalogue page (G-25, G-08)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String, Text

from credo.db.columns import created_at, moment, serial, stamp
from credo.db.metadata import JsonType, table

catalogue_simulations = table(
    "catalogue_simulations",
    serial(),
    Column("change_id", Integer, ForeignKey("catalogue_changes.id"), nullable=False, unique=True),
    Column("catalogue_hash", String(64), nullable=False),  # the proposed catalogue's content
    Column("live_catalogue_hash", String(64), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("engine", String(16), nullable=False),
    # The registry it ran on: the audit log's head then (this registry's chain, unrewritten,
    # must still hold that entry) and the change feed's head (accepted statements).
    Column("audit_seq", BigInteger, nullable=False),
    Column("audit_hash", String(64), nullable=False),
    Column("feed_seq", BigInteger, nullable=False),
    moment("ran_at"),
    Column("document", JsonType, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("summary", JsonType, nullable=False),  # the published summary (no subject ids)
    created_at(),
)

catalogue_versions = table(
    "catalogue_versions",
    serial(),
    Column("catalogue_hash", String(64), nullable=False),
    Column("change_id", Integer, ForeignKey("catalogue_changes.id"), nullable=False),
    Column("simulation_id", Integer, ForeignKey("catalogue_simulations.id"), nullable=False),
    *stamp("activated", null=False, by_first=True),
    Column("rules", JsonType, nullable=False),  # section -> rule id -> {version, hash}
    Column("summary", JsonType, nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Index("ix_catalogue_versions_hash", "catalogue_hash"),
)

catalogue_rule_versions = table(
    "catalogue_rule_versions",
    serial(),
    Column("version_id", Integer, ForeignKey("catalogue_versions.id"), nullable=False),
    Column("section", String(32), nullable=False),  # record_types | ratings | lists | ...
    Column("rule_id", String(80), nullable=False),
    Column("rule_version", Integer),
    Column("rule_hash", String(64), nullable=False),
    Column("change", String(16), nullable=False),  # added | changed | removed
    moment("activated_at"),
    Column("summary", Text, nullable=False),
    Index("ix_catalogue_rule_versions_rule", "section", "rule_id"),
)
