"""organisation records (format v2), certificates, categories, suspension

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import service.db.base

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "categories",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("required_certificates", sa.JSON(), nullable=False),
        sa.Column("alert_min_complaints", sa.Integer(), nullable=True),
        sa.Column("alert_per_1000", sa.Float(), nullable=True),
        sa.Column("alert_window_days", sa.Integer(), nullable=True),
        sa.Column("updated_by_org_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", service.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by_org_id"],
            ["organizations.id"],
            name=op.f("fk_categories_updated_by_org_id_organizations"),
        ),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_categories")),
    )
    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=64), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("revoked_at", service.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.Column("revocation_record_id", sa.Integer(), nullable=True),
        sa.Column(
            "expiring_notified_at", service.db.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", service.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"], ["organizations.id"], name=op.f("fk_certificates_org_id_organizations")
        ),
        sa.ForeignKeyConstraint(
            ["record_id"], ["records.id"], name=op.f("fk_certificates_record_id_records")
        ),
        sa.ForeignKeyConstraint(
            ["revocation_record_id"],
            ["records.id"],
            name=op.f("fk_certificates_revocation_record_id_records"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("record_id", name=op.f("uq_certificates_record_id")),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_certificates_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_type"), ["type"], unique=False)
        batch_op.create_index(batch_op.f("ix_certificates_valid_to"), ["valid_to"], unique=False)

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("record_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("head_digest", sa.LargeBinary(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("suspended_at", service.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("suspension_reason", sa.Text(), nullable=True))

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.add_column(sa.Column("category", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_products_category"), ["category"], unique=False)

    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_org_id", sa.Integer(), nullable=True))
        batch_op.alter_column("batch_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(
            batch_op.f("ix_records_subject_org_id"), ["subject_org_id"], unique=False
        )
        batch_op.create_unique_constraint("uq_records_subject_org_id_n", ["subject_org_id", "n"])
        batch_op.create_foreign_key(
            batch_op.f("fk_records_subject_org_id_organizations"),
            "organizations",
            ["subject_org_id"],
            ["id"],
        )
        batch_op.create_check_constraint(
            op.f("ck_records_one_subject"), "(batch_id IS NULL) <> (subject_org_id IS NULL)"
        )


def downgrade() -> None:
    with op.batch_alter_table("records", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_records_one_subject"), type_="check")
        batch_op.drop_constraint(
            batch_op.f("fk_records_subject_org_id_organizations"), type_="foreignkey"
        )
        batch_op.drop_constraint("uq_records_subject_org_id_n", type_="unique")
        batch_op.drop_index(batch_op.f("ix_records_subject_org_id"))
        batch_op.alter_column("batch_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("subject_org_id")

    with op.batch_alter_table("products", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_products_category"))
        batch_op.drop_column("category")

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("suspension_reason")
        batch_op.drop_column("suspended_at")
        batch_op.drop_column("head_digest")
        batch_op.drop_column("record_count")

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificates_valid_to"))
        batch_op.drop_index(batch_op.f("ix_certificates_type"))
        batch_op.drop_index(batch_op.f("ix_certificates_org_id"))

    op.drop_table("certificates")
    op.drop_table("categories")
