"""monitor runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 02:04:33.630977
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "monitor_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("checked_at", service.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("anchors_checked", sa.Integer(), nullable=False),
        sa.Column("discrepancies", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_runs")),
    )
    with op.batch_alter_table("monitor_runs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_monitor_runs_checked_at"), ["checked_at"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("monitor_runs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_monitor_runs_checked_at"))

    op.drop_table("monitor_runs")
