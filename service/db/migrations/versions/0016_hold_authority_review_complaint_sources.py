"""batches: who set a hold, and holds pending review; complaint_sources: per-source lock rows

``hold_set_by`` says who put the lot on hold (owner, inspector, system, admin), so that only
an inspector or an admin lifts a hold an inspector or the system set (NULL, for holds set
before this revision, is treated as the strictest). ``review_since``/``review_reason``: a
quality alert from complaints alone waits there for the quality desk, without stopping the
lot. ``complaint_sources`` has one row per complaint source, locked while its hourly limit
is counted and the new complaint stored, so concurrent filings cannot pass the limit.

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("batches") as batch_op:
        batch_op.add_column(sa.Column("hold_set_by", sa.String(16), nullable=True))
        batch_op.add_column(
            sa.Column("review_since", service.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("review_reason", sa.Text(), nullable=True))
    op.create_table(
        "complaint_sources",
        sa.Column("source", sa.LargeBinary(16), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_complaint_sources")),
    )


def downgrade() -> None:
    op.drop_table("complaint_sources")
    with op.batch_alter_table("batches") as batch_op:
        batch_op.drop_column("review_reason")
        batch_op.drop_column("review_since")
        batch_op.drop_column("hold_set_by")
