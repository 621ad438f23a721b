from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from service.text import SafeLine, SafeText


class ComplaintCategory(StrEnum):
    quality = "quality"
    counterfeit = "counterfeit"
    damaged = "damaged"
    safety = "safety"
    labelling = "labelling"
    other = "other"


class ComplaintCreate(BaseModel):
    """A shopper's report; ``link`` is the Digital Link path of the batch or unit."""

    model_config = ConfigDict(extra="forbid")

    link: SafeLine = Field(
        min_length=4, max_length=200, examples=["/01/09506000134352/10/L2026-0001"]
    )
    category: ComplaintCategory
    description: SafeText = Field(min_length=5, max_length=2000)
    contact: SafeLine | None = Field(default=None, max_length=200)


class ComplaintStatus(BaseModel):
    """What the tracking code shows: no contact data."""

    code: str
    status: str
    category: ComplaintCategory
    description: str
    link: str
    created_at: datetime


class ComplaintState(StrEnum):
    """The handling workflow; see service/complaints/workflow.py for the allowed moves."""

    received = "received"
    acknowledged = "acknowledged"
    investigating = "investigating"
    resolved = "resolved"
    rejected = "rejected"


class ComplaintTransition(BaseModel):
    """A move to ``status`` by the batch's owner (or an admin), anchored as one record.

    ``reason`` goes into the anchored record verbatim: it must not contain personal data.
    """

    model_config = ConfigDict(extra="forbid")

    status: ComplaintState
    reason: SafeText = Field(min_length=3, max_length=500)
    evidence: list[Annotated[SafeLine, Field(max_length=66)]] = Field(
        default_factory=list, max_length=20, description="Uploaded file digests (0x + 64 hex)"
    )


class ComplaintBatch(BaseModel):
    gtin: str
    lot: str


class ComplaintItem(BaseModel):
    """A complaint as its handler sees it in lists (no description, no contact)."""

    code: str
    batch: ComplaintBatch
    category: ComplaintCategory
    status: ComplaintState
    created_at: datetime
    deadline: datetime
    overdue: bool
    first_response_at: datetime | None


class ComplaintDetail(ComplaintItem):
    """One complaint for its handler: the full report and the contact (until erased)."""

    description: str
    contact: str | None


class ComplaintList(BaseModel):
    items: list[ComplaintItem]
    next_cursor: int | None


class OverdueCount(BaseModel):
    overdue: int


# The tracking code's form (``service.new_tracking_code``), any case: anything else is not a
# code and is answered without repeating it (it would be attacker text on a warning page).
TRACKING_CODE_PATTERN = r"^[A-Za-z2-7]{4}-[A-Za-z2-7]{4}-[A-Za-z2-7]{4}$"


class ReviewDecision(BaseModel):
    """The quality desk's answer to a quality alert, anchored with the batch.

    ``reason`` goes into the anchored record verbatim: it must not contain personal data.
    """

    model_config = ConfigDict(extra="forbid")

    reason: SafeText = Field(min_length=3, max_length=500)


class PendingReview(BaseModel):
    """A batch whose quality alert waits for the quality desk; it is not held meanwhile."""

    batch_id: int
    gtin: str
    lot: str
    since: datetime
    reason: str


class PendingReviewList(BaseModel):
    items: list[PendingReview]


class PendingReviewOutcome(BaseModel):
    batch_id: int
    on_hold: bool
