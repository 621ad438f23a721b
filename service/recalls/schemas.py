"""API models of recalls."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.custody.schemas import Handover
from service.db.base import MAX_ROW_ID
from service.db.models import RecallSeverity
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
    batches: list[RecalledBatch]
