from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ComplaintCategory(StrEnum):
    quality = "quality"
    counterfeit = "counterfeit"
    damaged = "damaged"
    safety = "safety"
    labelling = "labelling"
    other = "other"


class ComplaintCreate(BaseModel):
    """A shopper's report; ``link`` is the Digital Link path of the batch or unit."""

    model_config = ConfigDict(extra="forbid")

    link: str = Field(min_length=4, max_length=200, examples=["/01/09506000134352/10/L2026-0001"])
    category: ComplaintCategory
    description: str = Field(min_length=5, max_length=2000)
    contact: str | None = Field(default=None, max_length=200)


class ComplaintStatus(BaseModel):
    """What the tracking code shows: no contact data."""

    code: str
    status: str
    category: ComplaintCategory
    description: str
    link: str
    created_at: datetime
