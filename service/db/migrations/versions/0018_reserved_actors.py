"""records.actor_org_id may be NULL: records made by the public or by the service itself

A shopper's complaint and a quality alert are recorded with a reserved actor
(``lotproof:public``, ``lotproof:service``; docs/design.md §2.9), which is no organisation.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("records") as batch_op:
        batch_op.alter_column("actor_org_id", existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("records") as batch_op:
        batch_op.alter_column("actor_org_id", existing_type=sa.Integer(), nullable=False)
