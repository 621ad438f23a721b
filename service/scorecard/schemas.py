"""API models of the supplier scorecard."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FormulaName(StrEnum):
    v1 = "lotproof-scorecard/1"
    v2 = "lotproof-scorecard/2"


class ScorecardWindow(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: datetime = Field(serialization_alias="from", alias="from")
    end: datetime = Field(serialization_alias="to", alias="to")


class ScorecardComponent(BaseModel):
    name: str
    # None when nothing was measured (the component then gives full points; see formula.py).
    value: float | None
    weight: float
    points: float
    inputs: dict[str, Any]
    record_ids: list[int]
    # Complaint codes (the identifier the complaint workflow API uses).
    complaint_ids: list[str]


class ScorecardRead(BaseModel):
    org: str
    formula: str
    window: ScorecardWindow
    score: float
    components: list[ScorecardComponent]
