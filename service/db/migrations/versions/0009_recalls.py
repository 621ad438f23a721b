"""recalls (tables of service/db/models/recalls.py)

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recalls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("created_by_org_id", sa.Integer(), nullable=False),
        sa.Column("created_at", service.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_org_id"],
            ["organizations.id"],
            name=op.f("fk_recalls_created_by_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recalls")),
    )
    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recalls_created_by_org_id"), ["created_by_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_recalls_created_at"), ["created_at"], unique=False)

    op.create_table(
        "recall_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("recall_id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("direct", sa.Boolean(), nullable=False),
        sa.Column("via", sa.JSON(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["recall_id"], ["recalls.id"], name=op.f("fk_recall_batches_recall_id_recalls")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batches.id"], name=op.f("fk_recall_batches_batch_id_batches")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_recall_batches_record_id_records")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recall_batches")),
        sa.UniqueConstraint("recall_id", "batch_id", name="uq_recall_batches_recall_id"),
    )
    with op.batch_alter_table("recall_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recall_batches_recall_id"), ["recall_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_recall_batches_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recall_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recall_batches_batch_id"))
        batch_op.drop_index(batch_op.f("ix_recall_batches_recall_id"))

    op.drop_table("recall_batches")
    with op.batch_alter_table("recalls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recalls_created_at"))
        batch_op.drop_index(batch_op.f("ix_recalls_created_by_org_id"))

    op.drop_table("recalls")
