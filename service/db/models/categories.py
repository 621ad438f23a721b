"""Per-category quality rules set by admins."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime, utcnow


class Category(Base):
    """A product category (``products.category``) and the rules that come with it."""

    __tablename__ = "categories"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    # Certificate types a supplier must hold (valid, not revoked) to create or ship batches
    # of products in this category.
    required_certificates: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Quality-alert thresholds for this category; None falls back to the service settings
    # (LOTPROOF_QUALITY_ALERT_*).
    alert_min_complaints: Mapped[int | None] = mapped_column(Integer, default=None)
    alert_per_1000: Mapped[float | None] = mapped_column(Float, default=None)
    alert_window_days: Mapped[int | None] = mapped_column(Integer, default=None)
    updated_by_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
