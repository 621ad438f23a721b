"""Tables. Queries live in each domain's repository.py, not here."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Float,
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


class OrgRole(StrEnum):
    supplier = "supplier"
    logistics = "logistics"
    inspector = "inspector"
    retailer = "retailer"
    admin = "admin"


class RecordStatus(StrEnum):
    pending = "pending"
    anchored = "anchored"


class AnchorStatus(StrEnum):
    prepared = "prepared"  # tree built, records claimed, nothing sent yet
    sent = "sent"  # signed tx hash stored, transaction broadcast (maybe)
    anchored = "anchored"  # receipt seen; waiting for confirmations
    final = "final"  # root read back from the chain with enough confirmations
    failed = "failed"  # the chain rejected it; its records went back to pending
    superseded = "superseded"  # its deployment was replaced (`lotproof chain reanchor`)


class Organization(Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    # When set, the organisation's records are expected to carry its EIP-712 signature.
    require_signatures: Mapped[bool] = mapped_column(Boolean, default=False)
    # The organisation's own history (record format v2: certificates, suspensions), chained
    # like a batch's and updated under the organisation's row lock.
    record_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    head_digest: Mapped[bytes | None] = mapped_column(LargeBinary(32), default=None)
    # Set by an admin: the organisation's keys stop writing and its pages say so.
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    suspension_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    # Public part of the key, used to find the row; the secret is only kept as a hash.
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Written at most once a minute per key (``service.apikeys.service.note_use``).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text, default=None)
    # Names a row of `categories`: which certificates its supplier needs, alert thresholds.
    category: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
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
    unit: Mapped[str] = mapped_column(String(3))
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
    actor_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
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


class Complaint(Base):
    """A shopper's report from the consumer page. Contact data lives only here (erasable)."""

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), default=None)
    category: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text)
    contact: Mapped[str | None] = mapped_column(String(200), default=None)
    status: Mapped[str] = mapped_column(String(16), default="received")
    source: Mapped[bytes] = mapped_column(LargeBinary(16), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Fixed when filed, so a later change of the response time does not move old deadlines.
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # The first transition out of "received": what the deadline is measured against.
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # When subscribers were told it is overdue (once per complaint).
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ServiceSecret(Base):
    """Secrets the service makes for itself (e.g. the scan-source hashing key)."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary(64))


class MonitorRun(Base):
    """Result of one `lotproof monitor` pass over the chain's anchors (shown on /metrics)."""

    __tablename__ = "monitor_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    anchors_checked: Mapped[int] = mapped_column(Integer)
    discrepancies: Mapped[list[str]] = mapped_column(JSON)


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
    unit: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OrgAddress(Base):
    """An Ethereum address whose EIP-712 signatures count as the organisation's."""

    __tablename__ = "org_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    address: Mapped[str] = mapped_column(String(42), unique=True)  # checksummed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Removed by the organisation: its signatures made before this still count, none after.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RecordSignature(Base):
    """An EIP-712 signature over a record's digest by its actor's key (checked on every read)."""

    __tablename__ = "record_signatures"

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), unique=True)
    signer: Mapped[str] = mapped_column(String(42))
    signature: Mapped[str] = mapped_column(String(132))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
