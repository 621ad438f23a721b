"""Overdue complaints are announced once to the batch owner's webhook subscribers; the same
minute loop announces certificates about to expire."""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.certificates.expiry import announce_expiring
from service.complaints.repository import ComplaintRepository
from service.complaints.workflow import priority_of
from service.config import Settings
from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.db.models import Batch, Complaint
from service.webhooks.service import enqueue

log = logging.getLogger(__name__)
CHECK_EVERY_S = 60.0


def announce_overdue(session: Session, now: datetime) -> int:
    """Queue ``complaint.overdue`` for each complaint past its deadline without a response
    (the deadline its priority gave it when filed: hours for a safety report). A complaint
    on a batch is announced to the batch's owner, one without a batch to the admins."""
    query = (
        select(Complaint, Batch)
        .outerjoin(Batch, Batch.id == Complaint.batch_id)
        .where(
            Complaint.first_response_at.is_(None),
            Complaint.deadline_at < now,
            Complaint.overdue_notified_at.is_(None),
        )
        .order_by(Complaint.id)
        .limit(500)
    )
    rows = session.execute(query).all()
    admins: list[int] | None = None
    for complaint, batch in rows:
        payload = {
            "code": complaint.code,
            "batch_id": batch.id if batch is not None else None,
            "gtin": batch.gtin if batch is not None else None,
            "lot": batch.lot if batch is not None else None,
            "category": complaint.category,
            "priority": priority_of(complaint.category),
            "deadline": complaint.deadline_at.isoformat(),
        }
        if batch is None and admins is None:
            admins = ComplaintRepository(session).admin_org_ids()
        handlers = [batch.owner_org_id] if batch is not None else admins or []
        enqueue(session, "complaint.overdue", payload, org_ids=handlers)
        complaint.overdue_notified_at = now
    session.flush()
    return len(rows)


def watch_overdue(sessions: SessionFactory, stop: threading.Event, settings: Settings) -> None:
    """Check every minute; runs beside the webhook dispatcher."""
    while not stop.is_set():
        try:
            with sessions.write() as session, session.begin():
                announce_overdue(session, utcnow())
        except Exception:  # a failed check must not end the loop; the next one retries
            log.exception("overdue complaint check failed")
        try:
            with sessions.write() as session, session.begin():
                announce_expiring(session, utcnow(), settings.certificate_expiry_notice_days)
        except Exception:  # independent of the complaint check: one failing spares the other
            log.exception("expiring certificate check failed")
        stop.wait(CHECK_EVERY_S)
