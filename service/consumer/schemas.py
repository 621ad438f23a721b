from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from service.verdicts.schemas import BatchVerdict, RecordVerdict, RecordVerification


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


class PublicCertificate(BaseModel):
    """A supplier certificate valid today, with the verdict of its record."""

    type: str
    issuer: str
    number: str
    valid_from: date
    valid_to: date
    verdict: RecordVerdict
    digest: str


class ScoreSummary(BaseModel):
    formula: str
    score: float
    window_from: datetime
    window_to: datetime


class PublicSupplier(BaseModel):
    name: str
    slug: str
    suspended: bool
    suspended_since: datetime | None
    suspension_reason: str | None
    # The verdict over the supplier's own history (certificates, suspensions).
    history_verdict: BatchVerdict
    certificates: list[PublicCertificate]
    scorecard: ScoreSummary


class ChainStatus(BaseModel):
    state: str
    message: str


class BatchFacts(BaseModel):
    """What a scan shows: the batch (and unit), each record with its verdict, the verdict."""

    verdict: BatchVerdict
    flags: Flags
    batch: PublicBatch
    unit: PublicUnit | None
    supplier: PublicSupplier
    records: list[RecordVerification]
    chain: ChainStatus
