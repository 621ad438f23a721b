from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from service.batches.quantities import check_quantity
from service.batches.units import CODES, check_unit
from service.gs1 import validate_ai_value
from service.products.schemas import Gtin
from service.records.schemas import EventTime
from service.text import SafeLine

Lot = Annotated[
    SafeLine, Field(max_length=20, examples=["L2026-0001"]), AfterValidator(validate_ai_value)
]


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gtin: Gtin
    lot: Lot
    # UN/ECE Recommendation 20 unit code, as EPCIS quantity elements use (KGM, LTR, H87...):
    # one of the units goods are traded in (service/batches/units.py).
    unit: Annotated[
        str,
        Field(examples=["KGM"], json_schema_extra={"enum": CODES}),
        AfterValidator(check_unit),
    ]
    # After unit, whose bounds it is checked against (service/batches/quantities.py).
    quantity: float = Field(gt=0, le=1e11, allow_inf_nan=False)
    produced_at: EventTime  # aware and convertible to UTC, as event times

    @field_validator("quantity")
    @classmethod
    def _quantity_within_unit_bounds(cls, quantity: float, info: ValidationInfo) -> float:
        unit = info.data.get("unit")
        return quantity if unit is None else check_quantity(quantity, unit)


class BatchRead(BaseModel):
    id: int
    gtin: str
    lot: str
    product_name: str
    quantity: float
    unit: str
    produced_at: datetime
    owner: str
    record_count: int
    qr_url: str
    created_at: datetime
