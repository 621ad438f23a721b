"""complaints without a batch (a suspected fake of an unregistered code), the link filed from,
and each complaint's steps

``complaints.batch_id`` may be NULL: "report a suspected fake" on the not-registered and
invalid-code pages files a complaint that names no registered product; the platform's admins
handle it. ``complaints.link`` keeps the link the shopper filed from (for such a complaint,
the only clue to what was scanned). ``complaint_steps`` is the handling history the tracking
page shows (filing, then each transition: status, reason, when, who); for a complaint on a
batch each step is also an anchored record, and the steps of existing complaints are copied
from those records here.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.alter_column("batch_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("link", sa.String(200), nullable=True))
    steps = op.create_table(
        "complaint_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("complaint_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("at", service.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_org_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["complaint_id"],
            ["complaints.id"],
            name=op.f("fk_complaint_steps_complaint_id_complaints"),
        ),
        sa.ForeignKeyConstraint(
            ["actor_org_id"],
            ["organizations.id"],
            name=op.f("fk_complaint_steps_actor_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_complaint_steps")),
    )
    op.create_index(
        op.f("ix_complaint_steps_complaint_id"), "complaint_steps", ["complaint_id"], unique=False
    )
    _copy_steps_from_records(steps)


def _copy_steps_from_records(steps: sa.Table) -> None:
    """Each existing complaint record (unless redacted) becomes a step of its complaint."""
    bind = op.get_bind()
    meta = sa.MetaData()
    records = sa.Table("records", meta, autoload_with=bind)
    complaints = sa.Table("complaints", meta, autoload_with=bind)
    ids = dict(bind.execute(sa.select(complaints.c.code, complaints.c.id)).all())
    query = (
        sa.select(records.c.content, records.c.actor_org_id)
        .where(records.c.event_type == "complaint", records.c.content.is_not(None))
        .order_by(records.c.id)
    )
    rows = []
    for content, actor_org_id in bind.execute(query):
        event = json.loads(content)["event"]
        state = event["lp:complaint"]
        if state["code"] not in ids:
            continue
        at = datetime.fromisoformat(event["eventTime"].replace("Z", "+00:00")).astimezone(UTC)
        filed = state["status"] == "received"
        rows.append(
            {
                "complaint_id": ids[state["code"]],
                "status": state["status"],
                "reason": state["reason"],
                "at": at,
                # Filings were kept in the owner's name; the shopper filed them.
                "actor_org_id": None if filed else actor_org_id,
            }
        )
    if rows:
        op.bulk_insert(steps, rows)


def downgrade() -> None:
    op.drop_index(op.f("ix_complaint_steps_complaint_id"), table_name="complaint_steps")
    op.drop_table("complaint_steps")
    op.execute("DELETE FROM complaints WHERE batch_id IS NULL")
    with op.batch_alter_table("complaints") as batch_op:
        batch_op.drop_column("link")
        batch_op.alter_column("batch_id", existing_type=sa.Integer(), nullable=False)
