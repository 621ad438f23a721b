"""What a shopper learns about the supplier: suspension, valid certificates, a score."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service.certificates.repository import CertificateRepository
from service.certificates.service import vouched_by
from service.certificates.validity import CertificateStatus, certificate_status, utc_day
from service.consumer.schemas import PublicCertificate, PublicSupplier, ScoreSummary
from service.db.models import Certificate, Organization
from service.scorecard.repository import ScorecardRepository
from service.scorecard.schemas import ScorecardRead
from service.scorecard.summary import ScoreCache
from service.verdicts.schemas import BatchVerdict, RecordVerdict
from service.verdicts.service import verify_org


def supplier_facts(
    session: Session, owner: Organization, scores: ScoreCache, now: datetime
) -> PublicSupplier:
    scorecard = scores.get(session, owner, now)
    if owner.record_count == 0:
        # No history of its own, so no certificate: spare the page two queries. (This only
        # ever hides; the organisation's audit trail always reads every record.)
        return _supplier(owner, BatchVerdict.pending, [], scorecard)
    history = verify_org(session, owner)
    by_n = {r.n: r for r in history.records}
    today = utc_day(now)
    valid = [
        (cert, n)
        for cert, n in ScorecardRepository(session).list_certificates(owner.id)
        if certificate_status(cert, today) == CertificateStatus.valid and n in by_n
    ]
    confirmers = CertificateRepository(session).get_orgs(
        cert.confirmed_by_org_id for cert, _ in valid if cert.confirmed_by_org_id is not None
    )
    certificates = [
        _certificate(cert, by_n[n].verdict, by_n[n].digest, confirmers) for cert, n in valid
    ]
    return _supplier(owner, history.verdict, certificates, scorecard)


def _certificate(
    cert: Certificate,
    verdict: RecordVerdict,
    digest: str,
    confirmers: dict[int, Organization],
) -> PublicCertificate:
    """A valid certificate, labelled by who vouches for it (a revoked one is never shown)."""
    confirmer = confirmers.get(cert.confirmed_by_org_id or 0)
    return PublicCertificate(
        type=cert.type,
        issuer=cert.issuer,
        number=cert.number,
        valid_from=cert.valid_from,
        valid_to=cert.valid_to,
        verdict=verdict,
        digest=digest,
        vouched_by=vouched_by(confirmer),
        confirmed_by=confirmer.name if confirmer is not None else None,
        confirmed_at=cert.confirmed_at if confirmer is not None else None,
    )


def _supplier(
    owner: Organization,
    verdict: BatchVerdict,
    certificates: list[PublicCertificate],
    scorecard: ScorecardRead,
) -> PublicSupplier:
    return PublicSupplier(
        name=owner.name,
        slug=owner.slug,
        suspended=owner.suspended_at is not None,
        suspended_since=owner.suspended_at,
        suspension_reason=owner.suspension_reason,
        history_verdict=verdict,
        certificates=certificates,
        scorecard=ScoreSummary(
            formula=scorecard.formula,
            score=scorecard.score,
            window_from=scorecard.window.start,
            window_to=scorecard.window.end,
        ),
    )
