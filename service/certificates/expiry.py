"""Certificates about to run out are announced once to their organisation's subscribers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.certificates.repository import CertificateRepository
from service.certificates.validity import utc_day
from service.webhooks.service import enqueue

BATCH_SIZE = 500


def announce_expiring(session: Session, now: datetime, notice_days: int) -> int:
    """Queue ``certificate.expiring`` for each certificate, not revoked, whose last valid day
    is within ``notice_days`` of today (UTC); once per certificate. Returns how many."""
    today = utc_day(now)
    rows = CertificateRepository(session).list_to_announce(
        today, today + timedelta(days=notice_days), limit=BATCH_SIZE
    )
    for certificate in rows:
        payload = {
            "certificate_id": certificate.id,
            "org_id": certificate.org_id,
            "type": certificate.type,
            "issuer": certificate.issuer,
            "number": certificate.number,
            "valid_to": certificate.valid_to.isoformat(),
            "days_left": (certificate.valid_to - today).days,
        }
        enqueue(session, "certificate.expiring", payload, org_ids=[certificate.org_id])
        certificate.expiring_notified_at = now
    session.flush()
    return len(rows)
