"""Qualification certificates: recorded in the organisation's anchored history, revoked the
same way, and read back with their status on a given day (categories require them:
``service.categories.requirements``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from service.certificates.repository import CertificateRepository
from service.certificates.schemas import (
    CertificateCreate,
    CertificateList,
    CertificateRead,
    CertificateRevoke,
    ExpiringList,
    RecordRef,
    VouchedBy,
)
from service.certificates.validity import CertificateStatus, certificate_status, utc_day
from service.db.models import Certificate, Organization, OrgRole, Record
from service.errors import Conflict, Forbidden, NotFound
from service.hashing import digest_to_hex
from service.orgs.repository import OrgRepository
from service.records.evidence import EVIDENCE, checked_evidence
from service.records.org_events import certificate_event, certificate_revoked_event
from service.records.writer import NewRecord, append_org_record

EVENT_TYPE = "certificate"
REVOKED_EVENT_TYPE = "certificate_revoked"
_SEES_EVERY_ORG = {OrgRole.inspector, OrgRole.admin}


def record_certificate(
    session: Session, actor: Organization, org_id: int, data: CertificateCreate, now: datetime
) -> Certificate:
    """Anchor the certificate in ``org_id``'s history, then index it; checks come first."""
    subject = _managed_org(session, actor, org_id)
    evidence = checked_evidence(session, data.evidence, EVIDENCE)
    event = certificate_event(
        at=now,
        certificate_type=data.type,
        issuer=data.issuer,
        number=data.number,
        valid_from=data.valid_from.isoformat(),
        valid_to=data.valid_to.isoformat(),
        evidence=evidence,
    )
    record = append_org_record(session, subject, NewRecord(event, EVENT_TYPE, now, actor))
    certificate = Certificate(
        org_id=subject.id,
        record_id=record.id,
        type=data.type,
        issuer=data.issuer,
        number=data.number,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        evidence=evidence,
        created_at=now,
    )
    CertificateRepository(session).add(certificate)
    return certificate


def _managed_org(session: Session, actor: Organization, org_id: int) -> Organization:
    # Permission before existence, so nobody probes which organisation ids exist.
    if actor.id != org_id and actor.role != OrgRole.admin:
        raise Forbidden("only the organisation itself or an admin records its certificates")
    org = OrgRepository(session).get_by_id(org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}")
    return org


def revoke_certificate(
    session: Session,
    actor: Organization,
    certificate_id: int,
    data: CertificateRevoke,
    now: datetime,
) -> Certificate:
    """Anchor the revocation in the owner's history; a certificate is revoked once."""
    certificate = CertificateRepository(session).get_by_id(certificate_id, lock=True)
    if certificate is None:
        raise NotFound(f"no certificate {certificate_id}")
    if actor.id != certificate.org_id and actor.role != OrgRole.admin:
        raise Forbidden("only the certificate's organisation or an admin revokes it")
    if certificate.revoked_at is not None:
        raise Conflict(
            f"certificate {certificate_id} was already revoked on "
            f"{utc_day(certificate.revoked_at).isoformat()}"
        )
    subject = OrgRepository(session).get_by_id(certificate.org_id)
    assert subject is not None
    event = certificate_revoked_event(
        at=now,
        certificate_id=certificate.id,
        certificate_type=certificate.type,
        number=certificate.number,
        reason=data.reason,
    )
    record = append_org_record(session, subject, NewRecord(event, REVOKED_EVENT_TYPE, now, actor))
    certificate.revoked_at = now
    certificate.revocation_reason = data.reason
    certificate.revocation_record_id = record.id
    session.flush()
    return certificate


def get_certificate(session: Session, viewer: Organization, certificate_id: int) -> Certificate:
    certificate = CertificateRepository(session).get_by_id(certificate_id)
    if certificate is None:
        raise NotFound(f"no certificate {certificate_id}")
    _check_may_read(viewer, certificate.org_id)
    return certificate


def _check_may_read(viewer: Organization, org_id: int) -> None:
    if viewer.id != org_id and viewer.role not in _SEES_EVERY_ORG:
        raise Forbidden("only the organisation itself, inspectors and admins see its certificates")


def list_certificates(
    session: Session,
    viewer: Organization,
    org_id: int,
    *,
    status: CertificateStatus | None,
    cursor: int | None,
    limit: int,
    today: date,
) -> CertificateList:
    """The organisation's certificates by id, optionally only those with ``status`` today."""
    _check_may_read(viewer, org_id)
    if OrgRepository(session).get_by_id(org_id) is None:
        raise NotFound(f"no organisation {org_id}")
    rows = CertificateRepository(session).list_by_org(org_id, after=cursor)
    matching = [c for c in rows if status is None or certificate_status(c, today) == status]
    page = matching[:limit]
    return CertificateList(
        items=certificate_reads(session, page, today),
        next_cursor=page[-1].id if len(matching) > limit else None,
    )


def list_expiring(
    session: Session, viewer: Organization, *, days: int, today: date, limit: int
) -> ExpiringList:
    """Not revoked and valid to a day in [today, today + days]; soonest first. A supplier
    sees its own, inspectors and admins everybody's."""
    if viewer.role in _SEES_EVERY_ORG:
        org_id = None
    elif viewer.role == OrgRole.supplier:
        org_id = viewer.id
    else:
        raise Forbidden("only suppliers (their own), inspectors and admins list expiring ones")
    rows = CertificateRepository(session).list_unrevoked_ending_between(
        today, today + timedelta(days=days), org_id=org_id, limit=limit
    )
    live = [c for c in rows if certificate_status(c, today) != CertificateStatus.revoked]
    return ExpiringList(days=days, items=certificate_reads(session, live, today))


def certificate_reads(
    session: Session, certificates: Sequence[Certificate], today: date
) -> list[CertificateRead]:
    """Read models with their records and owners, loaded in one query each."""
    repo = CertificateRepository(session)
    record_ids = [c.record_id for c in certificates]
    record_ids += [c.revocation_record_id for c in certificates if c.revocation_record_id]
    record_ids += [c.confirmation_record_id for c in certificates if c.confirmation_record_id]
    records = repo.get_records(record_ids)
    orgs = repo.get_orgs(
        [c.org_id for c in certificates]
        + [c.confirmed_by_org_id for c in certificates if c.confirmed_by_org_id]
    )
    return [_read(c, today, records, orgs) for c in certificates]


def _read(
    certificate: Certificate, today: date, records: dict[int, Record], orgs: dict[int, Organization]
) -> CertificateRead:
    revocation = certificate.revocation_record_id
    confirmation = certificate.confirmation_record_id
    confirmer = orgs.get(certificate.confirmed_by_org_id or 0)
    return CertificateRead(
        id=certificate.id,
        org_id=certificate.org_id,
        org=orgs[certificate.org_id].slug,
        type=certificate.type,
        issuer=certificate.issuer,
        number=certificate.number,
        valid_from=certificate.valid_from,
        valid_to=certificate.valid_to,
        evidence=certificate.evidence,
        status=certificate_status(certificate, today),
        record=_ref(records[certificate.record_id]),
        revoked_at=certificate.revoked_at,
        revocation_reason=certificate.revocation_reason,
        revocation_record=_ref(records[revocation]) if revocation is not None else None,
        vouched_by=vouched_by(confirmer),
        confirmed_by=confirmer.slug if confirmer is not None else None,
        confirmed_at=certificate.confirmed_at,
        confirmation_note=certificate.confirmation_note,
        confirmation_evidence=certificate.confirmation_evidence,
        confirmation_record=_ref(records[confirmation]) if confirmation is not None else None,
        created_at=certificate.created_at,
    )


def vouched_by(confirmer: Organization | None) -> VouchedBy:
    """Who vouches for a certificate: its confirmer's role, else the supplier that declared it."""
    if confirmer is None:
        return "supplier"
    return "admin" if confirmer.role == OrgRole.admin else "inspector"


def _ref(record: Record) -> RecordRef:
    return RecordRef(n=record.n, digest=digest_to_hex(record.digest), status=record.status)
