"""Organisations, their API keys, signing addresses and the service's own secrets."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime, utcnow


class OrgRole(StrEnum):
    supplier = "supplier"
    logistics = "logistics"
    inspector = "inspector"
    retailer = "retailer"
    admin = "admin"


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
    # Written at most once a minute per key (``service.auth.service.note_use``).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class ServiceSecret(Base):
    """Secrets the service makes for itself (e.g. the scan-source hashing key)."""

    __tablename__ = "service_secrets"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[bytes] = mapped_column(LargeBinary(64))


class OrgAddress(Base):
    """An Ethereum address whose EIP-712 signatures count as the organisation's."""

    __tablename__ = "org_addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    address: Mapped[str] = mapped_column(String(42), unique=True)  # checksummed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Removed by the organisation: its signatures made before this still count, none after.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
