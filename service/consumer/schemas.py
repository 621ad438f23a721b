from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from service.verification.schemas import BatchVerdict, RecordVerification


class PublicBatch(BaseModel):
    gtin: str
    lot: str
    product_name: str
    product_description: str | None
    quantity: float
    unit: str
    produced_at: datetime
    supplier: str
    digital_link: str
    recalled: bool
    recall_reason: str | None
    on_hold: bool
    hold_reason: str | None


class PublicUnit(BaseModel):
    serial: str
    digital_link: str
    suspect_clone: bool
    scans: int
    first_scanned_at: datetime | None
    last_scanned_at: datetime | None


class Flags(BaseModel):
    recalled: bool
    on_hold: bool
    suspect_clone: bool


class ChainStatus(BaseModel):
    state: str
    message: str


class BatchFacts(BaseModel):
    """What a scan shows: the batch (and unit), each record with its verdict, the verdict."""

    verdict: BatchVerdict
    flags: Flags
    batch: PublicBatch
    unit: PublicUnit | None
    records: list[RecordVerification]
    chain: ChainStatus
