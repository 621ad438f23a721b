from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class Party(BaseModel):
    slug: str
    name: str


class CustodyPeriod(BaseModel):
    custodian: Party
    since: datetime  # production, or the receipt that handed the batch over
    until: datetime | None  # the next receipt; None while it still holds the batch
    location: str | None


class Handover(BaseModel):
    sender: Party
    receiver: Party
    shipped_at: datetime
    shipped_from: str | None
    received_at: datetime | None  # None while in transit
    received_at_location: str | None


class CustodyChain(BaseModel):
    batch_id: int
    custodian: Party
    in_transit_to: Party | None
    periods: list[CustodyPeriod]
    handovers: list[Handover]
