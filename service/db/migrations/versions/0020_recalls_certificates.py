"""Recalls that can be updated and closed; certificates that an inspector or admin confirms

A recall keeps its current words and gains a status (open or closed), how it was closed
(``lifted``: the lot is safe after all; ``completed``: the action is over and what is still out
there stays recalled), the closing reason and the dates of its last change. Every change is
also a record in each recalled batch's history, so no version of a recall's words is lost.

A certificate gains who confirmed it (an inspector or an admin), when, with what note and
evidence, and the record of the confirmation in its organisation's history.

``batches.recall_reason`` stays (the ``gs1:recallStatus`` answer reads it): it now holds the
words of the oldest recall in force on the batch instead of the latest recall's.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recalls") as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=8), server_default="open", nullable=False)
        )
        batch_op.add_column(sa.Column("outcome", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("close_reason", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("closed_at", service.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("updated_at", service.db.base.UTCDateTime(timezone=True), nullable=True)
        )

    with op.batch_alter_table("certificates") as batch_op:
        batch_op.add_column(
            sa.Column("confirmed_at", service.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("confirmed_by_org_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("confirmation_note", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("confirmation_evidence", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("confirmation_record_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_certificates_confirmed_by_org_id_organizations"),
            "organizations",
            ["confirmed_by_org_id"],
            ["id"],
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_certificates_confirmation_record_id_records"),
            "records",
            ["confirmation_record_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("certificates") as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_certificates_confirmation_record_id_records"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_certificates_confirmed_by_org_id_organizations"), type_="foreignkey"
        )
        batch_op.drop_column("confirmation_record_id")
        batch_op.drop_column("confirmation_evidence")
        batch_op.drop_column("confirmation_note")
        batch_op.drop_column("confirmed_by_org_id")
        batch_op.drop_column("confirmed_at")

    with op.batch_alter_table("recalls") as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("close_reason")
        batch_op.drop_column("outcome")
        batch_op.drop_column("status")
