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


class ChainStatus(BaseModel):
    state: str
    message: str


class BatchFacts(BaseModel):
    """What a scan shows: the batch, each record with its verdict, the batch verdict."""

    verdict: BatchVerdict
    batch: PublicBatch
    records: list[RecordVerification]
    chain: ChainStatus
