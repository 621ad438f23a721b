"""Records (the hashed, chained history of batches and organisations) and what hangs off them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime, utcnow


class RecordStatus(StrEnum):
    pending = "pending"
    anchored = "anchored"


class Record(Base):
    """One hashed record of a batch's history (format v1) or an organisation's (format v2)."""

    __tablename__ = "records"
    __table_args__ = (
        UniqueConstraint("batch_id", "n", name="uq_records_batch_id_n"),
        UniqueConstraint("subject_org_id", "n", name="uq_records_subject_org_id_n"),
        CheckConstraint("(batch_id IS NULL) <> (subject_org_id IS NULL)", name="one_subject"),
        # A supplier's inspections in a window (the scorecard) without reading every record.
        Index("ix_records_batch_id_event_type_event_time", "batch_id", "event_type", "event_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Exactly one of the two is set: whose history this record belongs to.
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
    subject_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), default=None, index=True
    )
    n: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[str] = mapped_column(String(32))
    event_time: Mapped[datetime] = mapped_column(UTCDateTime())
    # None when the actor is reserved (service.records.actors): the public or the service.
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    # The record of docs/design.md §2 as JSON text. Verification re-hashes this every time.
    # None once redacted: the digest (and its anchor) then stand for the erased content.
    content: Mapped[str | None] = mapped_column(Text)
    # Digest at write time: the anchoring worker's leaf value. Never trusted by verification.
    digest: Mapped[bytes] = mapped_column(LargeBinary(32))
    status: Mapped[str] = mapped_column(String(16), default=RecordStatus.pending, index=True)
    anchor_id: Mapped[int | None] = mapped_column(
        ForeignKey("anchors.id"), default=None, index=True
    )
    proof: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    redaction_reason: Mapped[str | None] = mapped_column(Text, default=None)


class RecordSignature(Base):
    """An EIP-712 signature over a record's digest by its actor's key (checked on every read)."""

    __tablename__ = "record_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), unique=True)
    signer: Mapped[str] = mapped_column(String(42))
    signature: Mapped[str] = mapped_column(String(132))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class IdempotentRequest(Base):
    """The first response to a write sent with an ``Idempotency-Key``."""

    __tablename__ = "idempotent_requests"
    __table_args__ = (UniqueConstraint("org_id", "key", name="uq_idempotent_requests_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
