from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from service.text import SafeLine


class SamplingPlanRead(BaseModel):
    """A single sampling plan (ISO 2859-1 / ANSI/ASQ Z1.4), arrows already followed."""

    model_config = ConfigDict(from_attributes=True)

    lot_size: int
    aql: float
    level: str
    severity: str
    code_letter: str = Field(description="Sample size code letter from Table 1")
    plan_letter: str = Field(description="Code letter whose plan applies after the arrows")
    plan_sample_size: int = Field(description="The table's sample size for plan_letter")
    sample_size: int = Field(description="Items to inspect (the whole lot when inspect_all)")
    acceptance_number: int
    rejection_number: int
    inspect_all: bool = Field(description="True when the plan's sample is not smaller than the lot")
    note: str | None = None


# A trillion items: beyond any lot, and exact as a JSON number (below 2**53, which the record
# hash's canonical JSON requires of integers).
MAX_LOT_SIZE = 10**12


class DefectClass(BaseModel):
    model_config = ConfigDict(extra="forbid")

    aql: float = Field(gt=0, description="Acceptance quality limit for this class, e.g. 1.0")
    defects: int = Field(ge=0, le=MAX_LOT_SIZE, description="Defective items found in the sample")


class SamplingInspection(BaseModel):
    """What an inspector reports; the accept/reject decision is computed, never taken on trust."""

    model_config = ConfigDict(extra="forbid")

    lot_size: int = Field(ge=2, le=MAX_LOT_SIZE)
    level: SafeLine = Field(default="II", max_length=8)
    severity: SafeLine = Field(default="normal", max_length=16)
    classes: dict[str, DefectClass] = Field(min_length=1, max_length=3)
