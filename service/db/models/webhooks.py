"""Webhook subscriptions and their delivery log (migration 0010)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime, utcnow


class WebhookEvent(StrEnum):
    """Every event type a subscription may ask for; other domains enqueue these."""

    batch_on_hold = "batch.on_hold"
    batch_released = "batch.released"
    # A quality alert from complaints awaits the quality desk, and its answer if dismissed
    # (a confirmed one is a batch.on_hold).
    batch_under_review = "batch.under_review"
    batch_review_dismissed = "batch.review_dismissed"
    recall_issued = "recall.issued"
    complaint_received = "complaint.received"
    complaint_overdue = "complaint.overdue"
    certificate_expiring = "certificate.expiring"


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its first or next attempt (next_attempt_at)
    delivered = "delivered"  # the receiver answered 2xx
    failed = "failed"  # gave up: max attempts reached or the subscription was deleted


class WebhookSubscription(Base):
    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    url: Mapped[str] = mapped_column(String(2048))
    event_types: Mapped[list[str]] = mapped_column(JSON)
    # Kept as the raw 32 bytes, not hashed like API keys: the dispatcher needs the secret
    # itself as the HMAC key to sign every delivery. It is shown to the subscriber only once.
    secret: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Deleting a subscription only deactivates it, so its delivery log stays readable.
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebhookDelivery(Base):
    """One event for one subscription, with its retry state."""

    __tablename__ = "webhook_deliveries"
    # The dispatcher's query: pending deliveries whose next attempt is due.
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("webhook_subscriptions.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Shared by every delivery of one event, so a receiver can drop duplicates.
    event_id: Mapped[str] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16), default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer, default=None)
    # Short and ours (status line or exception type), never the secret or the body.
    last_error: Mapped[str | None] = mapped_column(String(200), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
