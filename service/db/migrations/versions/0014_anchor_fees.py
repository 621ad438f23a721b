"""anchors: the nonce, fees and send time of the last signed transaction (fee bumps)

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("anchors") as batch:
        batch.add_column(sa.Column("nonce", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("max_fee_per_gas", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("max_priority_fee_per_gas", sa.BigInteger(), nullable=True))
        batch.add_column(
            sa.Column("sent_at", service.db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("anchors") as batch:
        batch.drop_column("sent_at")
        batch.drop_column("max_priority_fee_per_gas")
        batch.drop_column("max_fee_per_gas")
        batch.drop_column("nonce")
