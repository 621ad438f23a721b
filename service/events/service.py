"""Recording events: each becomes a hashed, chained, pending record (DESIGN §2)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from service import notifications
from service.batches.repository import BatchRepository
from service.certificates.service import require_certificates
from service.certificates.validity import utc_day
from service.custody.rules import apply_handover, check_may_record
from service.db.base import utcnow
from service.db.models import Batch, Organization, Record, RecordStatus
from service.errors import InvalidInput, NotFound
from service.events.epcis import EventType, format_utc_ms, object_event
from service.events.repository import RecordRepository
from service.events.schemas import EventCreate, EventRead
from service.files.service import require_files
from service.hashing import build_record, digest_from_hex, digest_to_hex, record_digest
from service.hashing.v1 import canonical_bytes
from service.inspections.decisions import apply_decision, evaluate, release
from service.metrics import RECORDS_RECORDED
from service.products.repository import ProductRepository


def record_event(session: Session, org: Organization, batch_id: int, data: EventCreate) -> Record:
    """Append one event to a batch's history as a pending record."""
    batch = BatchRepository(session).get_by_id(batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    handover = check_may_record(session, org, batch, data)
    if data.type == EventType.shipping and batch.owner_org_id == org.id:
        # Only the owner's own shipments are gated: a carrier moving the lot on is not.
        _require_owner_certificates(session, org, batch)
    require_evidence(session, data.details)
    inspection = evaluate(data.sampling) if data.sampling is not None else None
    event = object_event(
        event_type=data.type,
        event_time=data.event_time,
        gtin=batch.gtin,
        lot=batch.lot,
        quantity=batch.quantity,
        unit=batch.unit,
        location=data.location,
        details=data.details,
        source=handover.source,
        destination=handover.destination,
        temperature_c=data.temperature_c,
        extensions={"lp:inspection": inspection} if inspection else None,
    )
    record = append_record(
        session, batch, org, event=event, event_type=data.type, event_time=data.event_time
    )
    apply_handover(batch, org, data.type, handover)
    was_held = batch.on_hold_since is not None
    if inspection is not None:
        apply_decision(batch, inspection)
    elif data.type == EventType.release:
        release(batch)
    _announce_hold_change(session, batch, was_held)
    return record


def _require_owner_certificates(session: Session, org: Organization, batch: Batch) -> None:
    product = ProductRepository(session).get_by_id(batch.product_id)
    assert product is not None
    require_certificates(session, org, product, utc_day(utcnow()))


def _announce_hold_change(session: Session, batch: Batch, was_held: bool) -> None:
    if batch.on_hold_since is not None and not was_held:
        notifications.batch_on_hold(session, batch)
    elif batch.on_hold_since is None and was_held:
        notifications.batch_released(session, batch)


def append_record(
    session: Session,
    batch: Batch,
    org: Organization,
    *,
    event: dict[str, Any],
    event_type: str,
    event_time: datetime,
) -> Record:
    """Hash ``event`` into the batch's next record (n, prev) and store it as pending.

    The one place records are made: every kind of event (API, transformations, bulk imports,
    quality decisions) goes through here, so numbering and chaining cannot diverge.
    """
    batches = BatchRepository(session)
    n, prev = batches.reserve_next_record(batch.id)
    recorded_at = utcnow()
    content = build_record(
        gtin=batch.gtin,
        lot=batch.lot,
        n=n,
        prev=prev,
        event=event,
        actor=org.slug,
        recorded_at=format_utc_ms(recorded_at),
        salt=os.urandom(32),
    )
    digest = record_digest(content)
    record = Record(
        batch_id=batch.id,
        n=n,
        event_type=event_type,
        event_time=event_time,
        actor_org_id=org.id,
        # Stored in canonical form, so the text in the database is exactly what was hashed.
        content=canonical_bytes(content).decode(),
        digest=digest,
        status=RecordStatus.pending,
        recorded_at=recorded_at,
    )
    RecordRepository(session).add(record)
    batches.set_head(batch.id, digest)
    RECORDS_RECORDED.labels(type=event_type).inc()
    return record


def event_read(record: Record) -> EventRead:
    return EventRead(
        id=record.id,
        batch_id=record.batch_id,
        n=record.n,
        type=record.event_type,
        event_time=record.event_time.astimezone(UTC),
        digest=digest_to_hex(record.digest),
        status=record.status,
        recorded_at=record.recorded_at,
    )


def require_evidence(session: Session, details: dict[str, Any]) -> None:
    """``details.evidence`` lists uploaded files by digest; the record (and so the anchor)
    then commits to their exact bytes."""
    if "evidence" not in details:
        return
    cited = details["evidence"]
    if not isinstance(cited, list) or not all(isinstance(d, str) for d in cited):
        raise InvalidInput("a list of file digests (0x + 64 hex)", field="details.evidence")
    try:
        digests = [digest_from_hex(d) for d in cited]
    except ValueError as e:
        raise InvalidInput(str(e), field="details.evidence") from None
    require_files(session, digests)
