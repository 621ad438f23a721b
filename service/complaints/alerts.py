"""Quality alerts: enough complaints on one batch put it on hold automatically.

A batch is held when, within the last ``LOTPROOF_QUALITY_ALERT_WINDOW_DAYS``, it has at least
``LOTPROOF_QUALITY_ALERT_MIN_COMPLAINTS`` complaints AND at least
``LOTPROOF_QUALITY_ALERT_PER_1000`` complaints per 1,000 units of its quantity. Both must hold:
the count keeps one or two reports on a small lot from stopping it, the rate keeps a handful of
reports on a huge lot from doing so. Complaints the handler rejected do not count. A product
category (``PUT /api/v1/categories/{name}``) may set its own thresholds, each of the three
separately; what it leaves unset comes from the settings above.

The hold is set once: a batch already on hold (for this or any other reason) gets no new
alert record. The "quality_alert" record states the numbers that triggered it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.categories.models import Category
from service.categories.repository import CategoryRepository
from service.categories.service import alert_thresholds
from service.complaints.repository import ComplaintRepository
from service.config import Settings
from service.db.models import Batch, Record
from service.events.epcis import GS1_RESOLVER, format_offset, format_utc_ms
from service.events.service import append_record
from service.gs1 import digital_link
from service.orgs.repository import OrgRepository
from service.products.repository import ProductRepository

ALERT_EVENT_TYPE = "quality_alert"


def per_1000(complaints: int, quantity: float) -> float:
    # Batch quantities are > 0 (BatchCreate); never inf, which the record format cannot hold.
    return complaints * 1000.0 / quantity if quantity > 0 else 0.0


def evaluate_batch(
    session: Session, settings: Settings, batch: Batch, now: datetime
) -> Record | None:
    """Put ``batch`` on hold if its recent complaints cross the thresholds; the alert record."""
    if batch.on_hold_since is not None:
        return None
    category = _category(session, batch)
    limits = alert_thresholds(settings, category)
    window = limits.window_days
    count = ComplaintRepository(session).count_for_batch_since(
        batch.id, now - timedelta(days=window)
    )
    rate = per_1000(count, batch.quantity)
    if count < limits.min_complaints or rate < limits.per_1000:
        return None
    batch.on_hold_since = now
    batch.hold_reason = (
        f"quality alert: {count} complaints in {window} days ({rate:.1f} per 1,000 units)"
    )
    alert: dict[str, Any] = {
        "window_days": window,
        "complaints": count,
        "threshold": limits.min_complaints,
        "per_1000": round(rate, 3),
        "threshold_per_1000": limits.per_1000,
        "category": category.name if category is not None else None,
    }
    return _record_alert(session, batch, alert, now)


def _category(session: Session, batch: Batch) -> Category | None:
    product = ProductRepository(session).get_by_id(batch.product_id)
    if product is None or product.category is None:
        return None
    return CategoryRepository(session).get_by_name(product.category)


def _record_alert(session: Session, batch: Batch, alert: dict[str, Any], now: datetime) -> Record:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": format_utc_ms(now),
        "eventTimeZoneOffset": format_offset(now),
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "disposition": "non_conforming",
        "quantityList": [
            {
                "epcClass": digital_link(GS1_RESOLVER, batch.gtin, batch.lot),
                "quantity": batch.quantity,
                "uom": batch.unit,
            }
        ],
        "lp:alert": alert,
    }
    # Raised by the service, not by a caller: kept in the owner's name, whose lot is held.
    owner = OrgRepository(session).get_by_id(batch.owner_org_id)
    assert owner is not None
    return append_record(
        session, batch, owner, event=event, event_type=ALERT_EVENT_TYPE, event_time=now
    )
