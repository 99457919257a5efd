"""catalogue_simulations, catalogue_versions, catalogue_rule_versions: the assessment is the
gate (G-48, G-25, G-08, credo.governance). A catalogue change is proposed with its
simulation (the JSON document, its SHA-256, the catalogue's content hash, the registry state
it ran on); activation records the catalogue version and the rules it added or changed, with
the published summary of the assessment. Nothing to migrate: earlier changes had none.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "catalogue_simulations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("catalogue_hash", sa.String(length=64), nullable=False),
        sa.Column("live_catalogue_hash", sa.String(length=64), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("engine", sa.String(length=16), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.Column("audit_hash", sa.String(length=64), nullable=False),
        sa.Column("feed_seq", sa.BigInteger(), nullable=False),
        sa.Column("ran_at", TS, nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["catalogue_changes.id"],
            name=op.f("fk_catalogue_simulations_change_id_catalogue_changes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_simulations")),
        sa.UniqueConstraint("change_id", name=op.f("uq_catalogue_simulations_change_id")),
    )
    op.create_table(
        "catalogue_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("catalogue_hash", sa.String(length=64), nullable=False),
        sa.Column("change_id", sa.Integer(), nullable=False),
        sa.Column("simulation_id", sa.Integer(), nullable=False),
        sa.Column("activated_by", sa.String(length=64), nullable=False),
        sa.Column("activated_at", TS, nullable=False),
        sa.Column("rules", JSON, nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["change_id"],
            ["catalogue_changes.id"],
            name=op.f("fk_catalogue_versions_change_id_catalogue_changes"),
        ),
        sa.ForeignKeyConstraint(
            ["simulation_id"],
            ["catalogue_simulations.id"],
            name=op.f("fk_catalogue_versions_simulation_id_catalogue_simulations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_versions")),
    )
    op.create_index("ix_catalogue_versions_hash", "catalogue_versions", ["catalogue_hash"])
    op.create_table(
        "catalogue_rule_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=32), nullable=False),
        sa.Column("rule_id", sa.String(length=80), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=True),
        sa.Column("rule_hash", sa.String(length=64), nullable=False),
        sa.Column("change", sa.String(length=16), nullable=False),
        sa.Column("activated_at", TS, nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["catalogue_versions.id"],
            name=op.f("fk_catalogue_rule_versions_version_id_catalogue_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalogue_rule_versions")),
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
