"""Complaints from the public and the sources they come from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime, utcnow


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


class ComplaintSource(Base):
    """One row per complaint source (the keyed hash of a network prefix, as in complaints).

    Filing locks its source's row before counting the source's recent complaints, so that
    concurrent filings from one source are counted one after the other (migration 0016).
    """

    __tablename__ = "complaint_sources"

    source: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
