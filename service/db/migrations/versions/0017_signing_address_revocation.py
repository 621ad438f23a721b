"""org_addresses.revoked_at: an organisation removes a signing address, keeping its history

A removed address is kept, with the moment it stopped counting: signatures made before then
still verify as that organisation's, none made after do, and no one can register it again.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("org_addresses") as batch_op:
        batch_op.add_column(
            sa.Column("revoked_at", service.db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("org_addresses") as batch_op:
        batch_op.drop_column("revoked_at")
