from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

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
    created_at: datetime
