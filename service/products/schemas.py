from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from service.gs1 import normalize_gtin
from service.text import SafeLine, SafeText

Gtin = Annotated[
    SafeLine, Field(max_length=14, examples=["09506000134352"]), AfterValidator(normalize_gtin)
]


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gtin: Gtin
    name: SafeLine = Field(min_length=1, max_length=200)
    description: SafeText | None = Field(default=None, max_length=4000)
    # Names a category an admin set up (GET /api/v1/categories): its certificate rules and
    # quality-alert thresholds then apply to the product's batches.
    category: SafeLine | None = Field(default=None, min_length=1, max_length=64, examples=["tea"])
    # The temperature range its lots must be kept in (degrees Celsius), when it has one: the
    # consumer page shows each temperature reading against it.
    storage_min_c: float | None = Field(default=None, ge=-100, le=200, allow_inf_nan=False)
    storage_max_c: float | None = Field(
        default=None, ge=-100, le=200, allow_inf_nan=False, validate_default=True
    )

    @field_validator("storage_max_c")
    @classmethod
    def _range_is_whole_and_ordered(cls, high: float | None, info: ValidationInfo) -> float | None:
        low = info.data.get("storage_min_c")
        if high is None and low is not None:
            raise ValueError("required when storage_min_c is given")
        if high is not None and low is None and "storage_min_c" in info.data:
            raise ValueError("a range needs storage_min_c too")
        if high is not None and low is not None and high <= low:
            raise ValueError(f"must be above storage_min_c ({low:g})")
        return high


class ProductCategoryPut(BaseModel):
    """An admin files a product under a category (or none): its rules apply from then on."""

    model_config = ConfigDict(extra="forbid")

    category: SafeLine | None = Field(min_length=1, max_length=64, examples=["tea"])


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    gtin: str
    name: str
    description: str | None
    category: str | None
    storage_min_c: float | None
    storage_max_c: float | None
    created_at: datetime
