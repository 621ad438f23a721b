"""Supplier qualification certificates (an index over organisation records)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime, utcnow


class Certificate(Base):
    """A qualification certificate of an organisation, as recorded in its anchored history.

    The row is an index over the record (``record_id``, format v2): what the consumer page and
    the gating checks read quickly. The record is what an auditor verifies.
    """

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"), unique=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    issuer: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(100))
    # Calendar days in UTC, both inclusive: valid from 00:00 of `valid_from` to the end of
    # `valid_to`.
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date, index=True)
    # Digests (0x hex) of uploaded evidence files (the scanned certificate).
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revocation_reason: Mapped[str | None] = mapped_column(Text, default=None)
    revocation_record_id: Mapped[int | None] = mapped_column(ForeignKey("records.id"), default=None)
    # Confirmed by an inspector or an admin (once; migration 0020): who vouches for it besides
    # the organisation that declared it.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    confirmed_by_org_id: Mapped[int | None] = mapped_column(
        ForeignKey("organizations.id"), default=None
    )
    confirmation_note: Mapped[str | None] = mapped_column(Text, default=None)
    confirmation_evidence: Mapped[list[str] | None] = mapped_column(JSON, default=None)
    confirmation_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("records.id"), default=None
    )
    # When subscribers were told it runs out soon (once per certificate).
    expiring_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
