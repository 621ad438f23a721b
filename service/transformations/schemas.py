from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.batches.schemas import BatchCreate, BatchRead
from service.db.base import MAX_ROW_ID
from service.records.schemas import Details, EventTime
from service.text import SafeLine

MAX_INPUTS = 50


class TransformationInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_id: int = Field(gt=0, le=MAX_ROW_ID)
    # How much of the input batch went in, in the input batch's own unit.
    quantity: float = Field(gt=0, le=1e12, allow_inf_nan=False)


class TransformationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    inputs: list[TransformationInput] = Field(min_length=1, max_length=MAX_INPUTS)
    output: BatchCreate
    event_time: EventTime
    location: SafeLine = Field(min_length=1, max_length=200)
    details: Details = Field(default_factory=dict)

    @field_validator("inputs")
    @classmethod
    def _distinct_inputs(cls, value: list[TransformationInput]) -> list[TransformationInput]:
        # One link per (transformation, input) is a table constraint; say so before the insert.
        ids = [item.batch_id for item in value]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"each input batch may appear once; repeated: {duplicates}")
        return value


class RecordRef(BaseModel):
    """One record the transformation appended, in its batch's chain."""

    batch_id: int
    n: int
    digest: str


class TransformationRead(BaseModel):
    transformation_id: str
    output: BatchRead
    records: list[RecordRef]


class TraceDirection(StrEnum):
    upstream = "upstream"
    downstream = "downstream"
    both = "both"


class TraceNode(BaseModel):
    id: int
    gtin: str
    lot: str
    product_name: str
    owner: str
    quantity: float
    unit: str
    # Hops from the root: negative upstream (ingredients), positive downstream (products).
    level: int


class TraceEdge(BaseModel):
    """``quantity`` of batch ``from`` went into batch ``to``."""

    # ``from`` is a Python keyword; it is only the name on the wire.
    from_: int = Field(serialization_alias="from")
    to: int
    quantity: float
    unit: str
    transformation_id: str


class TraceGraph(BaseModel):
    root: int
    direction: TraceDirection
    depth: int
    nodes: list[TraceNode]
    edges: list[TraceEdge]
