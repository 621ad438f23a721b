from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from service.certificates.schemas import VouchedBy
from service.complaints.schemas import ComplaintSummary
from service.consumer.headline import Headline
from service.consumer.readings import HoldCause, StorageRange, TemperatureReading
from service.recalls.schemas import PublicRecall
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
    storage_range: StorageRange | None = None


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
    # Who vouches for it: the supplier that declared it, or the inspector or admin who
    # confirmed it (service.certificates.confirmation); the confirmer's name and date.
    vouched_by: VouchedBy = "supplier"
    confirmed_by: str | None = None
    confirmed_at: datetime | None = None


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
    # What the chain is (settings chain_display_name, chain_is_test_network): a test chain is
    # never called public.
    name: str
    test_network: bool


class BatchFacts(BaseModel):
    """What a scan shows: the batch (and unit), each record with its verdict, the verdict."""

    verdict: BatchVerdict
    # The one thing to read first (service.consumer.headline), then the facts.
    headline: Headline
    flags: Flags
    batch: PublicBatch
    unit: PublicUnit | None
    supplier: PublicSupplier
    records: list[RecordVerification]
    # Why the lot is on hold, from the record that put it there (None: not on hold).
    hold: HoldCause | None = None
    temperatures: list[TemperatureReading] = []
    # Every recall that reached the lot, newest first (service.recalls.service.public_recalls).
    recalls: list[PublicRecall] = []
    # The lot's complaints counted by category and status (service.complaints.public_summary).
    complaints: ComplaintSummary
    chain: ChainStatus
