"""When a certificate counts as valid: both ends inclusive, per UTC day, revocation first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from service.certificates.validity import CertificateStatus, certificate_status, utc_day
from service.db.models import Certificate

VALID_FROM = date(2026, 1, 1)
VALID_TO = date(2026, 11, 30)


def certificate(revoked_at: datetime | None = None) -> Certificate:
    return Certificate(
        type="iso-9001",
        issuer="SGS",
        number="CN-9001-42",
        valid_from=VALID_FROM,
        valid_to=VALID_TO,
        evidence=[],
        revoked_at=revoked_at,
    )


class TestCertificateStatus:
    @pytest.mark.parametrize(
        ("day", "status"),
        [
            (VALID_FROM - timedelta(days=1), CertificateStatus.not_yet_valid),
            (VALID_FROM, CertificateStatus.valid),
            (date(2026, 6, 15), CertificateStatus.valid),
            (VALID_TO, CertificateStatus.valid),
            (VALID_TO + timedelta(days=1), CertificateStatus.expired),
        ],
    )
    def test_both_ends_are_inclusive(self, day: date, status: CertificateStatus) -> None:
        assert certificate_status(certificate(), day) == status

    def test_revoked_from_the_day_of_revocation(self) -> None:
        revoked = certificate(revoked_at=datetime(2026, 6, 15, 9, tzinfo=UTC))
        assert certificate_status(revoked, date(2026, 6, 14)) == CertificateStatus.valid
        assert certificate_status(revoked, date(2026, 6, 15)) == CertificateStatus.revoked
        assert certificate_status(revoked, VALID_TO + timedelta(days=5)) == (
            CertificateStatus.revoked
        )

    def test_revocation_outranks_every_other_status(self) -> None:
        revoked = certificate(revoked_at=datetime(2025, 12, 1, tzinfo=UTC))
        assert certificate_status(revoked, VALID_FROM - timedelta(days=1)) == (
            CertificateStatus.revoked
        )


class TestUtcDay:
    def test_a_moment_is_judged_by_its_utc_day(self) -> None:
        # 07:30 on 1 Dec in Shanghai is still 30 Nov in UTC: the certificate is valid.
        shanghai = timezone(timedelta(hours=8))
        moment = datetime(2026, 12, 1, 7, 30, tzinfo=shanghai)
        assert utc_day(moment) == VALID_TO
        assert certificate_status(certificate(), utc_day(moment)) == CertificateStatus.valid
        later = datetime(2026, 12, 1, 8, 0, tzinfo=shanghai)
        assert certificate_status(certificate(), utc_day(later)) == CertificateStatus.expired
