"""Recording events: each becomes a hashed, chained, pending record (docs/design.md §2)."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from service import notifications
from service.batches.repository import BatchRepository
from service.certificates.service import require_certificates
from service.certificates.validity import utc_day
from service.custody.rules import Handover, apply_handover, check_may_record
from service.db.base import utcnow
from service.db.models import Batch, Organization, Record, RecordStatus
from service.errors import InvalidInput, NotFound
from service.events.epcis import EventType, format_utc_ms, object_event
from service.events.repository import RecordRepository
from service.events.schemas import EventCreate, EventRead
from service.events.window import EventTimeWindow
from service.files.service import require_files
from service.hashing import build_record, digest_from_hex, digest_to_hex
from service.hashing.v1 import canonical_bytes, digest_of_canonical
from service.inspections.decisions import apply_decision, evaluate, release
from service.metrics import RECORDS_RECORDED
from service.products.repository import ProductRepository


@dataclass(frozen=True)
class CheckedEvent:
    """An event that passed every check, as it goes into the record; nothing written yet."""

    data: EventCreate
    event: dict[str, Any]
    handover: Handover
    inspection: dict[str, Any] | None


def lock_batch(session: Session, batch_id: int) -> Batch:
    """The batch, row-locked (PostgreSQL) so custody checks and numbering see one state."""
    batch = lock_batches(session, [batch_id]).get(batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    return batch


def lock_batches(session: Session, batch_ids: Collection[int]) -> dict[int, Batch]:
    """``lock_batch`` for several batches in one query (those that exist), locked in id order
    so that two transactions locking overlapping sets cannot deadlock."""
    if not batch_ids:
        return {}
    return {batch.id: batch for batch in BatchRepository(session).get_for_append(batch_ids)}


def check_event(
    session: Session, org: Organization, batch: Batch, data: EventCreate, window: EventTimeWindow
) -> CheckedEvent:
    """Raise (naming the field or the reason) unless ``org`` may record ``data`` now."""
    handover = check_may_record(session, org, batch, data)
    window.check(data.event_time)  # after the 403s: who may not record hears no more
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
    return CheckedEvent(data=data, event=event, handover=handover, inspection=inspection)


def apply_event(session: Session, org: Organization, batch: Batch, checked: CheckedEvent) -> None:
    """What a recorded event changes on the batch: custody, holds (and their notifications)."""
    apply_handover(batch, org, checked.data.type, checked.handover)
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

    With ``append_records`` the one place batch records are made: every kind of event (API,
    transformations, bulk imports, quality decisions) goes through here, so numbering and
    chaining cannot diverge.
    """
    batches = BatchRepository(session)
    n, prev = batches.reserve_records(batch.id, 1)
    now = utcnow()
    new = NewRecord(event, event_type, event_time, org)
    row = _record_row(batch, n, prev, new, now, format_utc_ms(now))
    record = Record(**row)
    RecordRepository(session).add(record)
    batches.set_head(batch.id, record.digest)
    RECORDS_RECORDED.labels(type=event_type).inc()
    return record


@dataclass(frozen=True)
class NewRecord:
    event: dict[str, Any]
    event_type: str
    event_time: datetime
    actor: Organization


def append_records(session: Session, new: Sequence[tuple[Batch, NewRecord]]) -> list[EventRead]:
    """``append_record`` for batches from ``lock_batches``: one INSERT for all the records,
    one head update per batch. Each batch's records are numbered in the order given.

    The recording hot path (single posts, in groups, and bulk imports): with the rows already
    locked and read afresh, their counts and heads are the numbering, and thousands of events
    do not pay three statements and an ORM flush each. The records are the same.
    """
    if not new:
        return []
    heads: dict[int, _Head] = {}
    recorded_at = utcnow()
    recorded_text = format_utc_ms(recorded_at)
    rows = []
    for batch, item in new:
        head = heads.setdefault(
            batch.id, _Head(batch.record_count, batch.record_count, batch.head_digest)
        )
        row = _record_row(batch, head.next_n, head.digest, item, recorded_at, recorded_text)
        head.next_n, head.digest = head.next_n + 1, row["digest"]
        rows.append(row)
    ids = RecordRepository(session).insert_batch_records(rows)
    BatchRepository(session).advance_heads(
        [(batch_id, head.first_n, head.next_n, head.digest) for batch_id, head in heads.items()]
    )
    for event_type, count in Counter(item.event_type for _, item in new).items():
        RECORDS_RECORDED.labels(type=event_type).inc(count)
    return [_event_read(row | {"id": ids[row["batch_id"], row["n"]]}) for row in rows]


@dataclass
class _Head:
    """A batch's numbering while records are appended to it."""

    first_n: int
    next_n: int
    digest: bytes | None


def _record_row(
    batch: Batch,
    n: int,
    prev: bytes | None,
    new: NewRecord,
    recorded_at: datetime,
    recorded_text: str,
) -> dict[str, Any]:
    """The records-table row of record ``n`` (``prev`` is record ``n - 1``'s digest);
    ``recorded_text`` is ``format_utc_ms(recorded_at)``, formatted once for many records."""
    content = build_record(
        gtin=batch.gtin,
        lot=batch.lot,
        n=n,
        prev=prev,
        event=new.event,
        actor=new.actor.slug,
        recorded_at=recorded_text,
        salt=os.urandom(32),
    )
    canonical = canonical_bytes(content)
    return {
        "batch_id": batch.id,
        "n": n,
        "event_type": new.event_type,
        "event_time": new.event_time,
        "actor_org_id": new.actor.id,
        # Stored in canonical form, so the text in the database is exactly what was hashed.
        "content": canonical.decode(),
        "digest": digest_of_canonical(canonical),
        "status": RecordStatus.pending,
        "recorded_at": recorded_at,
    }


def _event_read(row: dict[str, Any]) -> EventRead:
    return EventRead(
        id=row["id"],
        batch_id=row["batch_id"],
        n=row["n"],
        type=row["event_type"],
        event_time=row["event_time"].astimezone(UTC),
        digest=digest_to_hex(row["digest"]),
        status=row["status"],
        recorded_at=row["recorded_at"],
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
