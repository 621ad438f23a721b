"""When a certificate counts as valid: pure functions, shared by gating, pages and scores."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from service.db.models import Certificate


class CertificateStatus(StrEnum):
    valid = "valid"
    not_yet_valid = "not_yet_valid"
    expired = "expired"
    revoked = "revoked"


def utc_day(moment: datetime) -> date:
    """The calendar day (UTC) a moment falls on: validity is judged per UTC day."""
    return moment.astimezone(UTC).date()


def certificate_status(certificate: Certificate, day: date) -> CertificateStatus:
    """Status on ``day``. Both ends are inclusive: a certificate valid to 2026-11-30 still
    counts all of 30 November (UTC) and is expired from 1 December."""
    if certificate.revoked_at is not None and utc_day(certificate.revoked_at) <= day:
        return CertificateStatus.revoked
    if day < certificate.valid_from:
        return CertificateStatus.not_yet_valid
    if day > certificate.valid_to:
        return CertificateStatus.expired
    return CertificateStatus.valid


def why_not_valid(certificates: list[Certificate], today: date) -> tuple[str, str] | None:
    """None when one of them is valid on ``today``; else (reason, how the message ends).

    Of several invalid ones the most useful is named: one that starts later (the gate
    reopens then), else the one that expired last, else a revoked one."""
    by_status: dict[CertificateStatus, list[Certificate]] = {}
    for certificate in certificates:
        by_status.setdefault(certificate_status(certificate, today), []).append(certificate)
    if CertificateStatus.valid in by_status:
        return None
    if upcoming := by_status.get(CertificateStatus.not_yet_valid):
        start = min(c.valid_from for c in upcoming)
        return CertificateStatus.not_yet_valid.value, f"is not valid before {start.isoformat()}"
    if expired := by_status.get(CertificateStatus.expired):
        end = max(c.valid_to for c in expired)
        first_day_expired = (end + timedelta(days=1)).isoformat()
        return CertificateStatus.expired.value, f"expired on {first_day_expired} (valid to {end})"
    if revoked := by_status.get(CertificateStatus.revoked):
        day = max(utc_day(c.revoked_at) for c in revoked if c.revoked_at is not None)
        return CertificateStatus.revoked.value, f"was revoked on {day.isoformat()}"
    return "missing", "is missing"
