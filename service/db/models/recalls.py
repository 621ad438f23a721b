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


class Recall(Base):
    """One recall action; its batches (direct and downstream) are in ``recall_batches``."""

    __tablename__ = "recalls"

    id: Mapped[int] = mapped_column(primary_key=True)
    severity: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    instructions: Mapped[str] = mapped_column(Text)
    created_by_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


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
