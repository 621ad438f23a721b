"""Uploaded evidence files (migration 0006); the bytes live in the FileStore."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime, utcnow


class EvidenceFile(Base):
    """One uploaded file; the bytes live in the FileStore under ``digest``."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    digest: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    # Sniffed from the bytes at upload, never taken from the client's Content-Type.
    media_type: Mapped[str] = mapped_column(String(100))
    # The first uploader's name for it; identical bytes uploaded later keep this one.
    filename: Mapped[str | None] = mapped_column(String(255), default=None)
    uploaded_by_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
