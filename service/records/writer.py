"""Appending records to a subject's chain: the only place records are made (docs/design.md §2).

Every producer (events posted one at a time or in groups, bulk imports, transformations,
complaints, quality alerts, recalls, certificates, suspensions) builds its event with
``service.records.epcis`` and hands it here. This module numbers it (``n``), chains it
(``prev``), builds the record of the subject's format version (v1 for a batch, v2 for an
organisation), canonicalises and hashes it once through ``service.hashing`` and stores it as
pending, so numbering and chaining cannot diverge between producers.

Callers lock the subject first (``lock_batches`` for batches; an organisation's row is locked
by taking its number), so their checks and the append see one state.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from service.db.base import utcnow
from service.db.models import Batch, Organization, Record, RecordStatus
from service.errors import NotFound
from service.hashing import build_org_record, build_record, canonical_record, digest_to_hex
from service.metrics import RECORDS_RECORDED
from service.records.actors import Actor
from service.records.epcis import format_utc_ms
from service.records.repository import ChainRepository, RecordRepository
from service.records.schemas import EventRead


@dataclass(frozen=True)
class NewRecord:
    """A record to append: its event (from ``service.records.epcis``) and who recorded it."""

    event: dict[str, Any]
    event_type: str
    event_time: datetime
    actor: Actor


def lock_batch(session: Session, batch_id: int) -> Batch:
    """The batch, row-locked until the transaction ends, or NotFound."""
    batch = lock_batches(session, [batch_id]).get(batch_id)
    if batch is None:
        raise NotFound(f"no batch {batch_id}")
    return batch


def lock_batches(session: Session, batch_ids: Collection[int]) -> dict[int, Batch]:
    """The batches of ``batch_ids`` that exist, row-locked in id order (see
    ``ChainRepository.lock_batches``)."""
    if not batch_ids:
        return {}
    return {batch.id: batch for batch in ChainRepository(session).lock_batches(batch_ids)}


def append_record(session: Session, batch: Batch, new: NewRecord) -> Record:
    """``new`` as ``batch``'s next record, stored as pending (an ORM row, for callers that
    link other rows to it)."""
    chains = ChainRepository(session)
    n, prev = chains.reserve_batch_records(batch.id, 1)
    now = utcnow()
    record = Record(**_batch_record_row(batch, n, prev, new, now, format_utc_ms(now)))
    RecordRepository(session).add(record)
    chains.set_batch_head(batch.id, record.digest)
    RECORDS_RECORDED.labels(type=new.event_type).inc()
    return record


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
        row = _batch_record_row(batch, head.next_n, head.digest, item, recorded_at, recorded_text)
        head.next_n, head.digest = head.next_n + 1, row["digest"]
        rows.append(row)
    ids = RecordRepository(session).insert_batch_records(rows)
    ChainRepository(session).advance_batch_heads(
        [(batch_id, head.first_n, head.next_n, head.digest) for batch_id, head in heads.items()]
    )
    for event_type, count in Counter(item.event_type for _, item in new).items():
        RECORDS_RECORDED.labels(type=event_type).inc(count)
    return [_event_read(row | {"id": ids[row["batch_id"], row["n"]]}) for row in rows]


def append_org_record(session: Session, subject: Organization, new: NewRecord) -> Record:
    """``new`` as the next record of ``subject``'s own history (format v2), stored as pending.
    Taking the number locks the organisation's row."""
    chains = ChainRepository(session)
    n, prev = chains.reserve_org_record(subject.id)
    recorded_at = utcnow()
    content = build_org_record(
        org=subject.slug,
        n=n,
        prev=prev,
        event=new.event,
        actor=new.actor.slug,
        recorded_at=format_utc_ms(recorded_at),
        salt=os.urandom(32),
    )
    canonical, digest = canonical_record(content)
    record = Record(
        batch_id=None,
        subject_org_id=subject.id,
        n=n,
        event_type=new.event_type,
        event_time=new.event_time,
        actor_org_id=new.actor.id,
        content=canonical.decode(),
        digest=digest,
        status=RecordStatus.pending,
        recorded_at=recorded_at,
    )
    RecordRepository(session).add(record)
    chains.set_org_head(subject.id, digest)
    RECORDS_RECORDED.labels(type=new.event_type).inc()
    return record


@dataclass
class _Head:
    """A batch's numbering while records are appended to it."""

    first_n: int
    next_n: int
    digest: bytes | None


def _batch_record_row(
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
    canonical, digest = canonical_record(content)
    return {
        "batch_id": batch.id,
        "n": n,
        "event_type": new.event_type,
        "event_time": new.event_time,
        "actor_org_id": new.actor.id,
        # Stored in canonical form, so the text in the database is exactly what was hashed.
        "content": canonical.decode(),
        "digest": digest,
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
