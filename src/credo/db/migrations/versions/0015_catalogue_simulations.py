"""catalogue_simulations, catalogue_versions, catalogue_rule_versions: the assessment is the
gate (G-48, G-25, G-08, credo.governance). A catalogue change is proposed with its
simulation (the JSON document, its SHA-256, the catalogue's content hash, the registry state
it ran on); activation records the catalogue version and the rules it added or changed, with
the published summary of the assessment. Nothing to migrate: earlier changes had none."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from credo.db.migrations.columns import JSON, TS, column, columns, fk, pk, serial, unique

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    op.create_table(
        "catalogue_simulations",
        serial(),
        column("change_id", sa.Integer()),
        *columns(sa.String(length=64), "catalogue_hash", "live_catalogue_hash"),
        column("as_of", sa.Date()),
        column("engine", sa.String(length=16)),
        column("audit_seq", sa.BigInteger()),
        column("audit_hash", sa.String(length=64)),
        column("feed_seq", sa.BigInteger()),
        column("ran_at", TS),
        column("document", JSON),
        column("sha256", sa.String(length=64)),
        column("summary", JSON),
        column("created_at", TS),
        fk("catalogue_simulations", "change_id", "catalogue_changes.id"),
        pk("catalogue_simulations", "id"),
        unique("catalogue_simulations", "change_id"),
    )
    op.create_table(
        "catalogue_versions",
        serial(),
        column("catalogue_hash", sa.String(length=64)),
        *columns(sa.Integer(), "change_id", "simulation_id"),
        column("activated_by", sa.String(length=64)),
        column("activated_at", TS),
        *columns(JSON, "rules", "summary"),
        column("audit_seq", sa.BigInteger()),
        fk("catalogue_versions", "change_id", "catalogue_changes.id"),
        fk("catalogue_versions", "simulation_id", "catalogue_simulations.id"),
        pk("catalogue_versions", "id"),
    )
    op.create_index("ix_catalogue_versions_hash", "catalogue_versions", ["catalogue_hash"])
    op.create_table(
        "catalogue_rule_versions",
        serial(),
        column("version_id", sa.Integer()),
        column("section", sa.String(length=32)),
        column("rule_id", sa.String(length=80)),
        column("rule_version", sa.Integer(), null=True),
        column("rule_hash", sa.String(length=64)),
        column("change", sa.String(length=16)),
        column("activated_at", TS),
        column("summary", sa.Text()),
        fk("catalogue_rule_versions", "version_id", "catalogue_versions.id"),
        pk("catalogue_rule_versions", "id"),
    )
    op.create_index(
        "ix_catalogue_rule_versions_rule", "catalogue_rule_versions", ["section", "rule_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_catalogue_rule_versions_rule", table_name="catalogue_rule_versions")
    op.drop_table("catalogue_rule_versions")
    op.drop_index("ix_catalogue_versions_hash", table_name="catalogue_versions")
    op.drop_table("catalogue_versions")
    op.drop_table("catalogue_simulations")
