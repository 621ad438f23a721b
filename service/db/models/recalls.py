"""Recalls and the batches each one reached (migration 0009)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from service.db.base import Base, UTCDateTime, utcnow


class RecallSeverity(StrEnum):
    """Regulators' classes: I may cause serious harm or death, II temporary or reversible
    harm, III is unlikely to cause harm but breaks the rules (FDA / EU RAPEX usage)."""

    class_1 = "I"
    class_2 = "II"
    class_3 = "III"


class RecallStatus(StrEnum):
    open = "open"
    closed = "closed"


class RecallOutcome(StrEnum):
    """Why a recall was closed, which decides whether its lots stay recalled."""

    lifted = "lifted"  # withdrawn: the lot was found safe (or recalled in error)
    completed = "completed"  # the recall action is over; units still out there stay recalled


class Recall(Base):
    """One recall action; its batches (direct and downstream) are in ``recall_batches``."""

    __tablename__ = "recalls"

    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    instructions: Mapped[str] = mapped_column(Text)
    created_by_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # The current words: an update replaces them here, while every version stays in the
    # records of the recalled batches (migration 0020).
    status: Mapped[str] = mapped_column(String(8), default="open", server_default="open")
    # When closed: "lifted" (the lot is safe after all) or "completed" (the recall action is
    # over; what is still out there stays recalled). See RecallOutcome.
    outcome: Mapped[str | None] = mapped_column(String(16), default=None)
    close_reason: Mapped[str | None] = mapped_column(Text, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The last change (update or close); None while it reads as it was issued.
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class RecallBatch(Base):
    """A batch a recall reached, how (``via``), and the record that anchors it in its history."""

    __tablename__ = "recall_batches"
    __table_args__ = (
        UniqueConstraint("recall_id", "batch_id", name="uq_recall_batches_recall_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recall_id: Mapped[int] = mapped_column(ForeignKey("recalls.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    direct: Mapped[bool] = mapped_column(Boolean)
    # Batch ids from the directly recalled batch down to this one's input ([] when direct).
    via: Mapped[list[int]] = mapped_column(JSON)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
