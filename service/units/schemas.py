from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class SerialsCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int = Field(ge=1, le=10_000, description="How many serial numbers to commission")


class UnitRead(BaseModel):
    serial: str
    url: str
    suspect_clone: bool
    scans: int
    created_at: datetime


class UnitList(BaseModel):
    items: list[UnitRead]
    next_cursor: int | None
