"""API models of recalls."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service.custody.schemas import Handover
from service.db.base import MAX_ROW_ID
from service.db.models import RecallSeverity
from service.db.models.recalls import RecallOutcome, RecallStatus
from service.text import SafeText

MAX_BATCHES = 100


class RecallCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_ids: list[Annotated[int, Field(le=MAX_ROW_ID)]] = Field(
        min_length=1, max_length=MAX_BATCHES
    )
    reason: SafeText = Field(min_length=1, max_length=2000)
    severity: RecallSeverity
    instructions: SafeText = Field(min_length=1, max_length=2000)

    @field_validator("batch_ids")
    @classmethod
    def _distinct_positive(cls, value: list[int]) -> list[int]:
        if any(i <= 0 for i in value):
            raise ValueError("batch ids are positive integers")
        if len(set(value)) != len(value):
            raise ValueError("each batch may appear once")
        return value


class RecallUpdate(BaseModel):
    """New words for an open recall: any of class, reason and instructions (at least one)."""

    model_config = ConfigDict(extra="forbid")

    severity: RecallSeverity | None = None
    reason: SafeText | None = Field(default=None, min_length=1, max_length=2000)
    instructions: SafeText | None = Field(default=None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _changes_something(self) -> RecallUpdate:
        if self.severity is None and self.reason is None and self.instructions is None:
            raise ValueError("give at least one of severity, reason and instructions")
        return self


class RecallClose(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: RecallOutcome = Field(
        description="lifted: the lots are safe after all and no longer recalled by it; "
        "completed: the recall action is over, and what is still out there stays recalled"
    )
    reason: SafeText = Field(min_length=1, max_length=2000)


class RecalledBatch(BaseModel):
    batch_id: int
    gtin: str
    lot: str
    product_name: str
    direct: bool
    # Batch ids from the directly recalled batch down to this batch's input; [] when direct.
    via: list[int]
    record_n: int  # position of the recall record in this batch's history
    # Every handover of the batch, so the recall reaches each custodian it passed through.
    shipments: list[Handover]


class RecallRead(BaseModel):
    id: int
    reason: str
    severity: RecallSeverity
    instructions: str
    created_by: str  # org slug
    created_at: datetime
    status: RecallStatus
    outcome: RecallOutcome | None
    close_reason: str | None
    closed_at: datetime | None
    updated_at: datetime | None  # the last update or the closing; None if neither
    batches: list[RecalledBatch]


class UpstreamLot(BaseModel):
    """The lot a recall named, which the shopper's lot was made from."""

    gtin: str
    lot: str
    product_name: str


class PublicRecall(BaseModel):
    """A recall as a shopper reads it on a lot it reached. ``reason`` and ``instructions`` are
    people's words, shown as written; ``in_force`` says whether it still recalls the lot."""

    id: int
    severity: RecallSeverity  # the class: I (most serious), II, III
    opened_at: datetime
    issuer: str  # the issuing organisation's name
    reason: str
    instructions: str
    status: RecallStatus
    outcome: RecallOutcome | None
    close_reason: str | None
    in_force: bool
    updated_at: datetime  # its last change: when it was opened, updated or closed
    direct: bool  # this lot was named; otherwise it was made from ``via``
    via: UpstreamLot | None
