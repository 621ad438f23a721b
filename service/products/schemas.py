from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from service.gs1 import normalize_gtin

Gtin = Annotated[str, Field(examples=["09506000134352"]), AfterValidator(normalize_gtin)]


class ProductCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gtin: Gtin
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=4000)


class ProductRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    gtin: str
    name: str
    description: str | None
    created_at: datetime
