"""Contract deployments, Merkle anchors and the chain monitor's runs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime, utcnow


class AnchorStatus(StrEnum):
    prepared = "prepared"  # tree built, records claimed, nothing sent yet
    sent = "sent"  # signed tx hash stored, transaction broadcast (maybe)
    anchored = "anchored"  # receipt seen; waiting for confirmations
    final = "final"  # root read back from the chain with enough confirmations
    failed = "failed"  # the chain rejected it; its records went back to pending
    superseded = "superseded"  # its deployment was replaced (`lotproof chain reanchor`)


class Deployment(Base):
    """A TraceAnchor contract this service anchors to; exactly one is active."""

    __tablename__ = "deployments"

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(Integer)
    genesis_hash: Mapped[str] = mapped_column(String(66))
    address: Mapped[str] = mapped_column(String(42))
    tx_hash: Mapped[str | None] = mapped_column(String(66), default=None)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Anchor(Base):
    __tablename__ = "anchors"
    __table_args__ = (
        UniqueConstraint("deployment_id", "root", name="uq_anchors_deployment_id_root"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deployment_id: Mapped[int] = mapped_column(ForeignKey("deployments.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    root: Mapped[bytes] = mapped_column(LargeBinary(32))
    leaf_count: Mapped[int] = mapped_column(Integer)
    # Leaf values (record digests, 0x hex) in tree input order: public, so anyone can
    # recompute the root.
    leaves: Mapped[list[str]] = mapped_column(JSON)
    chain_index: Mapped[int | None] = mapped_column(Integer, default=None)
    tx_hash: Mapped[str | None] = mapped_column(String(66), default=None)
    block_number: Mapped[int | None] = mapped_column(Integer, default=None)
    block_timestamp: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The transaction last signed for this anchor: a stuck one is replaced with the same nonce
    # and higher fees (wei per gas), counted from when it was sent.
    nonce: Mapped[int | None] = mapped_column(BigInteger, default=None)
    max_fee_per_gas: Mapped[int | None] = mapped_column(BigInteger, default=None)
    max_priority_fee_per_gas: Mapped[int | None] = mapped_column(BigInteger, default=None)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class MonitorRun(Base):
    """Result of one `lotproof monitor` pass over the chain's anchors (shown on /metrics)."""

    __tablename__ = "monitor_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    anchors_checked: Mapped[int] = mapped_column(Integer)
    discrepancies: Mapped[list[str]] = mapped_column(JSON)
