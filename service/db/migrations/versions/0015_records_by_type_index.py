"""records: index (batch_id, event_type, event_time), for a supplier's inspections

Without it, the scorecard's "inspections of the org's batches in the window" read every
record of every one of the org's batches to look at its type, once a minute per supplier on
consumer pages: a read that grows with every record the supplier writes.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_records_batch_id_event_type_event_time",
        "records",
        ["batch_id", "event_type", "event_time"],
    )


def downgrade() -> None:
    op.drop_index("ix_records_batch_id_event_type_event_time", table_name="records")
