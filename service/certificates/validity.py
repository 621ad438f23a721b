"""When a certificate counts as valid: pure functions, shared by gating, pages and scores."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
