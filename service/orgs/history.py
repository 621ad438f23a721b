"""An organisation's own anchored history: certificates and suspensions (record format v2).

Batches have their history (format v1); facts about an organisation itself are chained the
same way in its own history, anchored in the same Merkle batches and verified with the same
verdicts (``service.verdicts.service.verify_org``).
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.db.base import utcnow
from service.db.models import Organization, Record, RecordStatus
from service.events.epcis import format_offset, format_utc_ms
from service.events.repository import RecordRepository
from service.hashing import build_org_record, canonical_bytes, record_digest
from service.metrics import RECORDS_RECORDED
from service.orgs.repository import OrgRepository


def org_event(kind: str, at: datetime, fields: dict[str, Any]) -> dict[str, Any]:
    """The ``event`` of an organisation record: ``lp:<kind>`` holds what happened.

    Not an EPCIS event (no object moves), but shaped like one so readers of batch records
    find ``type``, ``eventTime`` and ``eventTimeZoneOffset`` where they expect them.
    """
    return {
        "type": f"lp:{kind[0].upper()}{kind[1:]}Event",
        "eventTime": format_utc_ms(at),
        "eventTimeZoneOffset": format_offset(at),
        f"lp:{kind}": fields,
    }


def append_org_record(
    session: Session,
    subject: Organization,
    actor: Organization,
    *,
    event: dict[str, Any],
    event_type: str,
    event_time: datetime,
) -> Record:
    """Hash ``event`` into ``subject``'s next record (n, prev) and store it as pending."""
    orgs = OrgRepository(session)
    n, prev = orgs.reserve_next_record(subject.id)
    recorded_at = utcnow()
    content = build_org_record(
        org=subject.slug,
        n=n,
        prev=prev,
        event=event,
        actor=actor.slug,
        recorded_at=format_utc_ms(recorded_at),
        salt=os.urandom(32),
    )
    digest = record_digest(content)
    record = Record(
        batch_id=None,
        subject_org_id=subject.id,
        n=n,
        event_type=event_type,
        event_time=event_time,
        actor_org_id=actor.id,
        content=canonical_bytes(content).decode(),
        digest=digest,
        status=RecordStatus.pending,
        recorded_at=recorded_at,
    )
    RecordRepository(session).add(record)
    orgs.set_head(subject.id, digest)
    RECORDS_RECORDED.labels(type=event_type).inc()
    return record
