"""Qualification certificates: recorded and revoked in the organisation's anchored history."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from service.certificates import confirmation, service
from service.certificates.schemas import (
    CertificateConfirm,
    CertificateCreate,
    CertificateList,
    CertificateRead,
    CertificateRevoke,
    ExpiringList,
)
from service.certificates.validity import CertificateStatus, utc_day
from service.db.base import utcnow
from service.deps import MAX_ROW_ID, CurrentOrg, DbSession, IdempotencyKey, RowId
from service.idempotency import run_idempotent

orgs_router = APIRouter(prefix="/api/v1/orgs", tags=["certificates"])
router = APIRouter(prefix="/api/v1/certificates", tags=["certificates"])


def get_now() -> datetime:
    """The clock certificates are recorded and judged by (UTC days); tests override it."""
    return utcnow()


Now = Annotated[datetime, Depends(get_now)]


@orgs_router.post("/{org_id}/certificates", status_code=201, response_model=CertificateRead)
def record_certificate(
    org_id: RowId,
    body: CertificateCreate,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """By the organisation itself or an admin; appends one record to its history."""

    def produce() -> CertificateRead:
        certificate = service.record_certificate(session, org, org_id, body, now)
        return service.certificate_reads(session, [certificate], utc_day(now))[0]

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=201,
        produce=produce,
    )


@orgs_router.get("/{org_id}/certificates", response_model=CertificateList)
def list_certificates(
    org_id: RowId,
    org: CurrentOrg,
    session: DbSession,
    now: Now,
    status: Annotated[CertificateStatus | None, Query(description="status today")] = None,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CertificateList:
    """For the organisation itself, inspectors and admins."""
    return service.list_certificates(
        session, org, org_id, status=status, cursor=cursor, limit=limit, today=utc_day(now)
    )


# Declared before "/{certificate_id}" so that "expiring" is not taken for an id.
@router.get("/expiring", response_model=ExpiringList, summary="Certificates running out soon")
def list_expiring(
    org: CurrentOrg,
    session: DbSession,
    now: Now,
    days: Annotated[int, Query(ge=1, le=365)] = 30,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> ExpiringList:
    """Not revoked, valid to a day between today and today + ``days``; soonest first."""
    return service.list_expiring(session, org, days=days, today=utc_day(now), limit=limit)


@router.get("/{certificate_id}", response_model=CertificateRead)
def get_certificate(
    certificate_id: RowId, org: CurrentOrg, session: DbSession, now: Now
) -> CertificateRead:
    certificate = service.get_certificate(session, org, certificate_id)
    return service.certificate_reads(session, [certificate], utc_day(now))[0]


@router.post("/{certificate_id}/revoke", response_model=CertificateRead)
def revoke_certificate(
    certificate_id: RowId,
    body: CertificateRevoke,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """By an admin or the owning organisation; appends one record to its history."""

    def produce() -> CertificateRead:
        certificate = service.revoke_certificate(session, org, certificate_id, body, now)
        return service.certificate_reads(session, [certificate], utc_day(now))[0]

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=200,
        produce=produce,
    )


@router.post("/{certificate_id}/confirm", response_model=CertificateRead)
def confirm_certificate(
    certificate_id: RowId,
    body: CertificateConfirm,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    now: Now,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """By an inspector or an admin (not of its own certificate), once, unless revoked;
    appends one record to the certificate's organisation's history."""

    def produce() -> CertificateRead:
        certificate = confirmation.confirm_certificate(session, org, certificate_id, body, now)
        return service.certificate_reads(session, [certificate], utc_day(now))[0]

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=200,
        produce=produce,
    )
