"""Recording events: the checks an event passes and what it changes on its batch; the record
itself is appended by ``service.records.writer`` (docs/design.md §2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service import notifications
from service.categories.requirements import require_certificates
from service.certificates.validity import utc_day
from service.custody.rules import Handover, apply_handover, check_may_record, handover_of
from service.db.base import utcnow
from service.db.models import Batch, Organization
from service.errors import InvalidInput
from service.events.repository import EventRepository
from service.events.schemas import EventCreate
from service.inspections.decisions import apply_decision, evaluate, release
from service.products.repository import ProductRepository
from service.records.epcis import EventType, LotQuantity, object_event
from service.records.evidence import EVENT_EVIDENCE, checked_evidence
from service.records.window import EventTimeWindow, check_received_after_shipment


@dataclass(frozen=True)
class CheckedEvent:
    """An event that passed every check, as it goes into the record; nothing written yet."""

    data: EventCreate
    event: dict[str, Any]
    handover: Handover
    inspection: dict[str, Any] | None


@dataclass
class Shipments:
    """When each batch was last shipped, as this transaction leaves it.

    A receipt may follow its shipment in one transaction (the shipper's post and the
    receiver's in one group of single posts) before the shipment's record is written: such
    shipments are noted here, the others read from the batch's records. One per transaction,
    so nothing outlives a rollback."""

    session: Session
    _noted: dict[int, datetime] = field(default_factory=dict)

    def shipped_at(self, batch: Batch) -> datetime | None:
        if batch.id in self._noted:
            return self._noted[batch.id]
        return EventRepository(self.session).last_shipment_time(batch.id)

    def note(self, batch: Batch, moment: datetime) -> None:
        self._noted[batch.id] = moment


def check_event(
    session: Session,
    org: Organization,
    batch: Batch,
    data: EventCreate,
    window: EventTimeWindow,
    shipments: Shipments,
) -> CheckedEvent:
    """Raise (naming the field or the reason) unless ``org`` may record ``data`` now."""
    check_may_record(org, batch, data.type)
    check_fields(data)
    handover = handover_of(session, org, batch, data.type, data.receiver)
    window.check(data.event_time)  # after the 403s: who may not record hears no more
    window.check_after_production(data.event_time, batch.produced_at, batch.lot)
    if data.type == EventType.receiving:
        shipped_at = shipments.shipped_at(batch)  # handover_of: the batch is in transit
        if shipped_at is not None:
            check_received_after_shipment(data.event_time, shipped_at)
    if data.type == EventType.shipping and batch.owner_org_id == org.id:
        # Only the owner's own shipments are gated: a carrier moving the lot on is not.
        _require_owner_certificates(session, org, batch)
    if "evidence" in data.details:
        checked_evidence(session, data.details["evidence"], EVENT_EVIDENCE)
    inspection = evaluate(data.sampling) if data.sampling is not None else None
    event = object_event(
        event_type=data.type,
        event_time=data.event_time,
        lot=LotQuantity.whole(batch),
        location=data.location,
        details=data.details,
        source=handover.source,
        destination=handover.destination,
        temperature_c=data.temperature_c,
        inspection=inspection,
    )
    return CheckedEvent(data=data, event=event, handover=handover, inspection=inspection)


def apply_event(
    session: Session, org: Organization, batch: Batch, checked: CheckedEvent, shipments: Shipments
) -> None:
    """What a recorded event changes on the batch: custody, holds (and their notifications)."""
    apply_handover(batch, org, checked.data.type, checked.handover)
    if checked.data.type == EventType.shipping:
        shipments.note(batch, checked.data.event_time)
    was_held = batch.on_hold_since is not None
    if checked.inspection is not None:
        apply_decision(batch, org, checked.inspection, utcnow())
    elif checked.data.type == EventType.release:
        release(batch)
    _announce_hold_change(session, batch, was_held)


def _require_owner_certificates(session: Session, org: Organization, batch: Batch) -> None:
    product = ProductRepository(session).get_by_id(batch.product_id)
    assert product is not None
    require_certificates(session, org, product, utc_day(utcnow()))


def _announce_hold_change(session: Session, batch: Batch, was_held: bool) -> None:
    if batch.on_hold_since is not None and not was_held:
        notifications.batch_on_hold(session, batch)
    elif batch.on_hold_since is None and was_held:
        notifications.batch_released(session, batch)


def check_fields(data: EventCreate) -> None:
    """Type-specific fields, named in the error when missing or misplaced."""
    if data.sampling is not None and data.type != EventType.inspection:
        raise InvalidInput("sampling belongs to inspection events", field="sampling")
    if data.sampling is not None and "result" in data.details:
        raise InvalidInput(
            "the result of a sampling inspection is computed by the service, not sent",
            field="details.result",
        )
    if data.type == EventType.release and not str(data.details.get("reason", "")).strip():
        raise InvalidInput("a release needs details.reason", field="details.reason")
    if (data.type == EventType.shipping) != (data.receiver is not None):
        raise InvalidInput(
            "receiver is required for shipping events and only for them", field="receiver"
        )
    if (data.type == EventType.temperature) != (data.temperature_c is not None):
        raise InvalidInput(
            "temperature_c is required for temperature events and only for them",
            field="temperature_c",
        )
