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
    """A shopper's report; ``link`` is the Digital Link path of the batch or unit.

    A link that names no registered product (unknown, or not even a well-formed product
    link) is accepted for a suspected fake only (category ``counterfeit``): such a report goes
    to the platform's admins.
    """

    model_config = ConfigDict(extra="forbid")

    link: SafeLine = Field(
        min_length=4, max_length=200, examples=["/01/09506000134352/10/L2026-0001"]
    )
    category: ComplaintCategory
    description: SafeText = Field(min_length=5, max_length=2000)
    contact: SafeLine | None = Field(default=None, max_length=200)


class ComplaintState(StrEnum):
    """The handling workflow; see service/complaints/workflow.py for the allowed moves."""

    received = "received"
    acknowledged = "acknowledged"
    investigating = "investigating"
    resolved = "resolved"
    rejected = "rejected"


class ComplaintPriority(StrEnum):
    """By category (``workflow.priority_of``): an urgent report has a shorter deadline."""

    urgent = "urgent"
    normal = "normal"


class ComplaintStep(BaseModel):
    """One state of a complaint's handling: the filing, then each transition."""

    status: ComplaintState
    reason: str
    at: datetime
    # The organisation that moved it; None for the filing (by the shopper, the public).
    by: str | None


class ComplaintStatus(BaseModel):
    """What the tracking code shows: no contact data."""

    code: str
    status: ComplaintState
    category: ComplaintCategory
    priority: ComplaintPriority
    description: str
    # The product's Digital Link; None for a suspected fake of an unregistered code (handled
    # by the platform's admins).
    link: str | None
    created_at: datetime
    # When a first response is due (it stays the same once the complaint was answered).
    deadline: datetime
    history: list[ComplaintStep]


class ComplaintCount(BaseModel):
    category: ComplaintCategory
    status: ComplaintState
    count: int


class ComplaintSummary(BaseModel):
    """A lot's complaints as the consumer page shows them: counts, never the reports."""

    total: int
    by_category: dict[ComplaintCategory, int]
    by_status: dict[ComplaintState, int]
    # One entry per (category, status) that occurs, ordered as the two enums are.
    groups: list[ComplaintCount]


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
    # None: a suspected fake reported from a code that names no registered product.
    batch: ComplaintBatch | None
    # The link the shopper filed from, as sent (None for complaints filed before it was kept).
    link: str | None
    category: ComplaintCategory
    priority: ComplaintPriority
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
