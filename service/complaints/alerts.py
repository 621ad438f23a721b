"""Quality alerts: complaints from enough distinct sources flag a batch for the quality desk.

A batch is flagged when, within the last ``LOTPROOF_QUALITY_ALERT_WINDOW_DAYS``, its complaints
come from at least ``LOTPROOF_QUALITY_ALERT_MIN_COMPLAINTS`` distinct sources AND from at least
``LOTPROOF_QUALITY_ALERT_PER_1000`` distinct sources per 1,000 units of its quantity. A source
is the keyed hash of the filer's network prefix (``service.units.scans.source_of``): complaints
need no account, so one network filing many counts once. Both must hold: the count keeps one
or two reports on a small lot from flagging it, the rate keeps a handful on a huge lot from
doing so. A quantity outside its unit's bounds (rows older than the bounds) is not trusted as a
denominator: the count alone decides. Complaints the handler rejected do not count. A product
category (``PUT /api/v1/categories/{name}``) may set its own thresholds; what it leaves unset
comes from the settings above.

Complaints alone do not stop a lot: the flag ("under review") blocks nothing, and the supplier
and the quality desk hear of it at once (webhook ``batch.under_review``). An admin confirms it,
which holds the lot (a "quality_alert" record stating the numbers, a ``batch.on_hold``), or
dismisses it (a "quality_alert_dismissed" record, a ``batch.review_dismissed``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service import notifications
from service.batches.quantities import is_plausible
from service.categories.repository import CategoryRepository
from service.categories.schemas import EffectiveThresholds
from service.categories.service import alert_thresholds
from service.complaints.repository import ComplaintRepository
from service.config import Settings
from service.custody.rules import HoldSetter, place_hold
from service.db.models import Batch, Category, Organization, OrgRole, Record
from service.errors import Conflict, Forbidden
from service.products.repository import ProductRepository
from service.records.epcis import LotQuantity, alert_event
from service.records.writer import NewRecord, append_record
from service.webhooks.service import enqueue

ALERT_EVENT_TYPE = "quality_alert"
DISMISSED_EVENT_TYPE = "quality_alert_dismissed"


@dataclass(frozen=True)
class Measure:
    """A batch's recent complaints against its thresholds."""

    complaints: int
    sources: int
    per_1000: float | None  # distinct sources per 1,000 units; None: quantity not trusted
    limits: EffectiveThresholds
    category: Category | None

    @property
    def crossed(self) -> bool:
        rate_reached = self.per_1000 is None or self.per_1000 >= self.limits.per_1000
        return self.sources >= self.limits.min_complaints and rate_reached

    def describe(self, batch: Batch) -> str:
        rate = (
            f"{self.per_1000:.1f} per 1,000 {batch.uom}"
            if self.per_1000 is not None
            else "batch quantity out of bounds, rate not applied"
        )
        return (
            f"quality alert: complaints from {self.sources} distinct sources in "
            f"{self.limits.window_days} days ({rate})"
        )


def per_1000(sources: int, quantity: float, unit: str) -> float | None:
    """Sources per 1,000 units; None when ``quantity`` is outside its unit's bounds, so the
    result is always finite (the record format cannot hold inf)."""
    return sources * 1000.0 / quantity if is_plausible(quantity, unit) else None


def measure(session: Session, settings: Settings, batch: Batch, now: datetime) -> Measure:
    category = _category(session, batch)
    limits = alert_thresholds(settings, category)
    since = now - timedelta(days=limits.window_days)
    repo = ComplaintRepository(session)
    sources = repo.count_sources_for_batch_since(batch.id, since)
    return Measure(
        complaints=repo.count_for_batch_since(batch.id, since),
        sources=sources,
        per_1000=per_1000(sources, batch.quantity, batch.uom),
        limits=limits,
        category=category,
    )


def evaluate_batch(session: Session, settings: Settings, batch: Batch, now: datetime) -> bool:
    """Flag ``batch`` for review if its recent complaints cross the thresholds; whether it did
    (and told the supplier and the quality desk). ``batch`` must be row-locked."""
    if batch.on_hold_since is not None or batch.review_since is not None:
        return False
    found = measure(session, settings, batch, now)
    if not found.crossed:
        return False
    batch.review_since = now
    batch.review_reason = found.describe(batch)
    payload = _payload(batch) | {"reason": batch.review_reason}
    owner_and_desk = [batch.owner_org_id, *ComplaintRepository(session).admin_org_ids()]
    enqueue(session, "batch.under_review", payload, org_ids=owner_and_desk)
    return True


def decide(
    session: Session,
    settings: Settings,
    admin: Organization,
    batch: Batch,
    reason: str,
    now: datetime,
    *,
    confirm: bool,
) -> Record:
    """The quality desk's answer to the alert, recorded in the admin's name with the numbers:
    confirmed, the batch is held (set by the system) from now; dismissed, the flag goes and
    the batch was never held."""
    _require_review(admin, batch)
    found = measure(session, settings, batch, now)
    if confirm:
        place_hold(batch, HoldSetter.system, batch.review_reason or found.describe(batch), now)
    _clear_review(batch)
    record = _record(
        session, batch, admin, found, "confirmed" if confirm else "dismissed", reason, now
    )
    if confirm:
        notifications.batch_on_hold(session, batch)
    else:
        enqueue(session, "batch.review_dismissed", _payload(batch), org_ids=[batch.owner_org_id])
    return record


def require_desk(org: Organization) -> None:
    """Only the quality desk (admins) answers a quality alert."""
    if org.role != OrgRole.admin:
        raise Forbidden("quality alerts are confirmed or dismissed by the quality desk (admin)")


def _require_review(org: Organization, batch: Batch) -> None:
    require_desk(org)
    if batch.review_since is None:
        raise Conflict(f"batch {batch.id} has no quality alert waiting for review")


def _clear_review(batch: Batch) -> None:
    batch.review_since = None
    batch.review_reason = None


def _payload(batch: Batch) -> dict[str, Any]:
    return {"batch_id": batch.id, "gtin": batch.gtin, "lot": batch.lot}


def _category(session: Session, batch: Batch) -> Category | None:
    product = ProductRepository(session).get_by_id(batch.product_id)
    if product is None or product.category is None:
        return None
    return CategoryRepository(session).get_by_name(product.category)


def _record(
    session: Session,
    batch: Batch,
    admin: Organization,
    found: Measure,
    decision: str,
    reason: str,
    now: datetime,
) -> Record:
    """The anchored decision, in the name of the admin who took it, with the numbers.

    A person decided, so the actor is the desk's organisation, not ``lotproof:service``
    (design §2.9): nothing here is recorded automatically. The flag that complaints raise
    (``evaluate_batch``) is no record; alerts older versions raised and held automatically
    have no ``review`` and are read as the service's (service/verdicts/actors.py)."""
    alert: dict[str, Any] = {
        "window_days": found.limits.window_days,
        "complaints": found.complaints,
        # Thresholds and rate count distinct sources, not complaints.
        "sources": found.sources,
        "threshold": found.limits.min_complaints,
        "per_1000": round(found.per_1000, 3) if found.per_1000 is not None else None,
        "threshold_per_1000": found.limits.per_1000,
        "category": found.category.name if found.category is not None else None,
        "review": {"decision": decision, "reason": reason},
    }
    confirmed = decision == "confirmed"
    event = alert_event(at=now, lot=LotQuantity.whole(batch), confirmed=confirmed, alert=alert)
    event_type = ALERT_EVENT_TYPE if confirmed else DISMISSED_EVENT_TYPE
    return append_record(session, batch, NewRecord(event, event_type, now, admin))
