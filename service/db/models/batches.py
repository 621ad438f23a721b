"""Products, their lots (batches), the links between lots, serialised units and their scans."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime, utcnow


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    # Names a row of `categories`: which certificates its supplier needs, alert thresholds.
    category: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    # The range its lots must be stored in (degrees Celsius), if declared.
    storage_min_c: Mapped[float | None] = mapped_column(Float, default=None)
    storage_max_c: Mapped[float | None] = mapped_column(Float, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Batch(Base):
    __tablename__ = "batches"
    __table_args__ = (UniqueConstraint("gtin", "lot", name="uq_batches_gtin_lot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14))
    lot: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[float] = mapped_column(Float)
    # Unit of measure (UN/ECE Rec 20 code). The column (and the API field) is named "unit";
    # in code "unit" is a serialised item (``Unit``).
    uom: Mapped[str] = mapped_column("unit", String(3))
    produced_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Next record number and the digest of the last record: updated under the batch's row
    # lock so appends to one batch are serialized (docs/design.md §2.5).
    record_count: Mapped[int] = mapped_column(Integer, default=0)
    head_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    # Custody moves with shipping (to `in_transit_to`) and receiving (to the receiver).
    custodian_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), default=None
    )
    in_transit_to_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), default=None
    )
    # Flags the consumer page shows as banners. Set by quality workflows (recalls, holds).
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    recall_reason: Mapped[str | None] = mapped_column(Text, default=None)
    on_hold_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    hold_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # Who set the hold: decides who may lift it (service/custody/rules.py, HoldSetter).
    hold_set_by: Mapped[str | None] = mapped_column(String(16), default=None)
    # A quality alert raised by complaints alone, waiting for the quality desk (admin) to
    # confirm it as a hold or dismiss it; shipping is not blocked meanwhile.
    review_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    review_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class BatchLink(Base):
    """One input of a transformation: ``quantity`` of ``input_batch`` went into ``output_batch``."""

    __tablename__ = "batch_links"
    __table_args__ = (
        UniqueConstraint(
            "transformation_id", "input_batch_id", name="uq_batch_links_transformation_id"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    transformation_id: Mapped[str] = mapped_column(String(64), index=True)
    input_batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    output_batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    quantity: Mapped[float] = mapped_column(Float)
    # Unit of measure (UN/ECE Rec 20 code). The column (and the API field) is named "unit";
    # in code "unit" is a serialised item (``Unit``).
    uom: Mapped[str] = mapped_column("unit", String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Unit(Base):
    """A serialized item of a batch (GS1 AI 21); serials are random, so unguessable."""

    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("gtin", "serial", name="uq_units_gtin_serial"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14))
    serial: Mapped[str] = mapped_column(String(20))
    suspect_clone_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Scan(Base):
    """One resolution of a unit's link. No raw IP: a keyed hash of the network prefix."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    source: Mapped[bytes] = mapped_column(LargeBinary(16))
    agent_family: Mapped[str] = mapped_column(String(32))
    scanned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
