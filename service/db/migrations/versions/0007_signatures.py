"""signatures

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 02:23:35.393219
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "org_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("created_at", service.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_org_addresses_org_id_organizations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_addresses")),
        sa.UniqueConstraint("address", name=op.f("uq_org_addresses_address")),
    )
    with op.batch_alter_table("org_addresses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_addresses_org_id"), ["org_id"], unique=False)

    op.create_table(
        "record_signatures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("signer", sa.String(length=42), nullable=False),
        sa.Column("signature", sa.String(length=132), nullable=False),
        sa.Column("created_at", service.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_record_signatures_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_signatures")),
        sa.UniqueConstraint("record_id", name=op.f("uq_record_signatures_record_id")),
    )
    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("require_signatures", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("require_signatures")

    op.drop_table("record_signatures")
    with op.batch_alter_table("org_addresses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_addresses_org_id"))

    op.drop_table("org_addresses")
