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
    """A shopper's report from the consumer page. Contact data lives only here (erasable).

    ``batch_id`` is None for a suspected fake reported from a code that names no registered
    product: such a complaint is handled by the platform's admins (migration 0019).
    """

    __tablename__ = "complaints"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batches.id"), index=True)
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
    # The link the shopper filed from, as sent (the scanned code of an unregistered product).
    link: Mapped[str | None] = mapped_column(String(200), default=None)


class ComplaintStep(Base):
    """One state of a complaint's handling, as its tracking page shows it: filing, then each
    transition, with who acted (None: the shopper) and the handler's reason.

    For a complaint on a batch each step is also an anchored record in the batch's history;
    a complaint without a batch has no history to anchor into, so this is its only trace.
    """

    __tablename__ = "complaint_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"), default=None)


class ComplaintSource(Base):
    """One row per complaint source (the keyed hash of a network prefix, as in complaints).

    Filing locks its source's row before counting the source's recent complaints, so that
    concurrent filings from one source are counted one after the other (migration 0016).
    """

    __tablename__ = "complaint_sources"

    source: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
