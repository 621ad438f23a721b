"""complaint workflow: response deadline and first response on complaints

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# Frozen copy of service.complaints.workflow.RESPONSE_DEADLINE_DAYS at the time of writing:
# a migration must not change meaning when the application constant changes later.
_BACKFILL_DEADLINE_DAYS = 7


def upgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("deadline_at", service.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("first_response_at", service.db.base.UTCDateTime(timezone=True))
        )
    _backfill_deadlines()
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.alter_column(
            "deadline_at",
            existing_type=service.db.base.UTCDateTime(timezone=True),
            nullable=False,
        )
        batch_op.create_index(batch_op.f("ix_complaints_deadline_at"), ["deadline_at"])


def _backfill_deadlines() -> None:
    # Row by row in Python: date arithmetic in SQL differs between SQLite and PostgreSQL.
    complaints = sa.table(
        "complaints",
        sa.column("id", sa.Integer()),
        sa.column("created_at", service.db.base.UTCDateTime(timezone=True)),
        sa.column("deadline_at", service.db.base.UTCDateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(complaints.c.id, complaints.c.created_at)).all()
    for complaint_id, created_at in rows:
        bind.execute(
            complaints.update()
            .where(complaints.c.id == complaint_id)
            .values(deadline_at=created_at + timedelta(days=_BACKFILL_DEADLINE_DAYS))
        )


def downgrade() -> None:
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_deadline_at"))
        batch_op.drop_column("first_response_at")
        batch_op.drop_column("deadline_at")
