"""redaction

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 02:03:36.728537
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("redacted_at", service.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("redaction_reason", sa.Text(), nullable=True))
        batch_op.alter_column("content", existing_type=sa.TEXT(), nullable=True)


def downgrade() -> None:

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.alter_column("content", existing_type=sa.TEXT(), nullable=False)
        batch_op.drop_column("redaction_reason")
        batch_op.drop_column("redacted_at")
