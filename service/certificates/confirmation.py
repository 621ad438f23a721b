"""An inspector or admin confirms a certificate its organisation declared: then someone other
than the supplier vouches for it. Recorded in the organisation's history, once; a revoked
certificate cannot be confirmed, and revoking a confirmed one still revokes it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from service.certificates.repository import CertificateRepository
from service.certificates.schemas import CertificateConfirm
from service.certificates.validity import utc_day
from service.db.models import Certificate, Organization, OrgRole
from service.errors import Conflict, Forbidden, NotFound
from service.orgs.repository import OrgRepository
from service.records.evidence import EVIDENCE, checked_evidence
from service.records.org_events import certificate_confirmed_event
from service.records.writer import NewRecord, append_org_record

CONFIRMED_EVENT_TYPE = "certificate_confirmed"
_MAY_CONFIRM = {OrgRole.inspector, OrgRole.admin}


def confirm_certificate(
    session: Session,
    actor: Organization,
    certificate_id: int,
    data: CertificateConfirm,
    now: datetime,
) -> Certificate:
    """Anchor the confirmation in the owner's history; checks come first."""
    if actor.role not in _MAY_CONFIRM:
        raise Forbidden("only an inspector or an admin confirms a certificate")
    certificate = CertificateRepository(session).get_by_id(certificate_id, lock=True)
    if certificate is None:
        raise NotFound(f"no certificate {certificate_id}")
    if certificate.org_id == actor.id:
        raise Forbidden("an organisation cannot confirm its own certificate")
    _check_confirmable(certificate)
    evidence = checked_evidence(session, data.evidence, EVIDENCE)
    subject = OrgRepository(session).get_by_id(certificate.org_id)
    assert subject is not None
    event = certificate_confirmed_event(
        at=now,
        certificate_id=certificate.id,
        certificate_type=certificate.type,
        number=certificate.number,
        note=data.note,
        evidence=evidence,
    )
    new = NewRecord(event, CONFIRMED_EVENT_TYPE, now, actor)
    record = append_org_record(session, subject, new)
    certificate.confirmed_at = now
    certificate.confirmed_by_org_id = actor.id
    certificate.confirmation_note = data.note
    certificate.confirmation_evidence = evidence
    certificate.confirmation_record_id = record.id
    session.flush()
    return certificate


def _check_confirmable(certificate: Certificate) -> None:
    if certificate.revoked_at is not None:
        revoked_on = utc_day(certificate.revoked_at).isoformat()
        raise Conflict(f"certificate {certificate.id} was revoked on {revoked_on}")
    if certificate.confirmed_at is not None:
        confirmed_on = utc_day(certificate.confirmed_at).isoformat()
        raise Conflict(f"certificate {certificate.id} was already confirmed on {confirmed_on}")
