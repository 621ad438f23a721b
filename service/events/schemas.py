"""An event as a client posts it to a batch."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from service.inspections.schemas import SamplingInspection
from service.records.epcis import EventType
from service.records.schemas import Details, EventTime
from service.text import SafeLine


class EventCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    type: EventType
    event_time: EventTime
    location: SafeLine = Field(min_length=1, max_length=200)
    details: Details = Field(default_factory=dict)
    # shipping: the organisation (slug) that will receive the batch; custody moves on receipt.
    receiver: SafeLine | None = Field(default=None, min_length=1, max_length=64)
    # temperature: the reading, in degrees Celsius.
    temperature_c: float | None = Field(default=None, ge=-100, le=200, allow_inf_nan=False)
    # inspection: an ISO 2859-1 sampling inspection; the service computes accept/reject.
    sampling: SamplingInspection | None = None
