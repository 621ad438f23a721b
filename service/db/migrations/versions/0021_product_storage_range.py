"""products.storage_min_c / storage_max_c: the temperature range a product's lots must be kept in

The consumer page shows each temperature reading against it (issue 20).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(sa.Column("storage_min_c", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("storage_max_c", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("storage_max_c")
        batch_op.drop_column("storage_min_c")
