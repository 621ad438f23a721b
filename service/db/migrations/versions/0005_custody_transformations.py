"""custody and transformations

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 02:12:47.747647
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "batch_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transformation_id", sa.String(length=64), nullable=False),
        sa.Column("input_batch_id", sa.Integer(), nullable=False),
        sa.Column("output_batch_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=3), nullable=False),
        sa.Column("created_at", service.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["input_batch_id"], ["batches.id"], name=op.f("fk_batch_links_input_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["output_batch_id"], ["batches.id"], name=op.f("fk_batch_links_output_batch_id_batches")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_batch_links")),
        sa.UniqueConstraint(
            "transformation_id", "input_batch_id", name="uq_batch_links_transformation_id"
        ),
    )
    with op.batch_alter_table("batch_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_batch_links_input_batch_id"), ["input_batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_batch_links_output_batch_id"), ["output_batch_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_batch_links_transformation_id"), ["transformation_id"], unique=False
        )

    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("custodian_org_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("in_transit_to_org_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_batches_in_transit_to_org_id_organizations"),
            "organizations",
            ["in_transit_to_org_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_batches_custodian_org_id_organizations"),
            "organizations",
            ["custodian_org_id"],
            ["id"],
        )

    # Until custody was tracked, every batch stayed with its owner.
    op.execute("UPDATE batches SET custodian_org_id = owner_org_id WHERE custodian_org_id IS NULL")


def downgrade() -> None:

    with op.batch_alter_table("batches", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_batches_custodian_org_id_organizations"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_batches_in_transit_to_org_id_organizations"), type_="foreignkey"
        )
        batch_op.drop_column("in_transit_to_org_id")
        batch_op.drop_column("custodian_org_id")

    with op.batch_alter_table("batch_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_batch_links_transformation_id"))
        batch_op.drop_index(batch_op.f("ix_batch_links_output_batch_id"))
        batch_op.drop_index(batch_op.f("ix_batch_links_input_batch_id"))

    op.drop_table("batch_links")
