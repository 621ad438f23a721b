"""Organisation profiles and admin suspension: thin routes over ``service.orgs``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from service.db.models import Organization, Record
from service.deps import CurrentOrg, DbSession, IdempotencyKey, RowId
from service.errors import NotFound
from service.hashing import digest_to_hex
from service.idempotency import run_idempotent
from service.orgs import suspension
from service.orgs.repository import OrgRepository
from service.orgs.schemas import OrgProfile, SuspensionChange, SuspensionRead

router = APIRouter(prefix="/api/v1/orgs", tags=["organisations"])


def org_profile(session: Session, org_id: RowId) -> OrgProfile:
    org = OrgRepository(session).get_by_id(org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}")
    return OrgProfile(
        id=org.id,
        slug=org.slug,
        name=org.name,
        role=org.role,
        suspended=org.suspended_at is not None,
        suspended_at=org.suspended_at,
        suspension_reason=org.suspension_reason,
        record_count=org.record_count,
    )


@router.get("/{org_id}", response_model=OrgProfile)
def get_org(org_id: RowId, viewer: CurrentOrg, session: DbSession) -> OrgProfile:
    """Any organisation's public profile, including whether it is suspended."""
    return org_profile(session, org_id)


@router.post("/{org_id}/suspension", status_code=201, response_model=SuspensionRead)
def suspend_org(
    org_id: RowId,
    body: SuspensionChange,
    request: Request,
    admin: CurrentOrg,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Admins only: the organisation's keys stop writing and its pages say so."""
    decision = _Decision(org_id, body, request, admin, session, idempotency_key)
    return decision.run(suspension.suspend, status_code=201)


@router.post("/{org_id}/suspension/lift", status_code=200, response_model=SuspensionRead)
def lift_suspension(
    org_id: RowId,
    body: SuspensionChange,
    request: Request,
    admin: CurrentOrg,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Admins only: the organisation may write again; the lifting is recorded too."""
    decision = _Decision(org_id, body, request, admin, session, idempotency_key)
    return decision.run(suspension.lift_suspension, status_code=200)


@dataclass
class _Decision:
    """A suspension decision as a request: recorded once per Idempotency-Key."""

    org_id: RowId
    body: SuspensionChange
    request: Request
    admin: Organization
    session: Session
    idempotency_key: str | None

    def run(
        self, decide: Callable[[Session, Organization, int, str], Record], *, status_code: int
    ) -> JSONResponse:
        def produce() -> SuspensionRead:
            record = decide(self.session, self.admin, self.org_id, self.body.reason)
            return SuspensionRead(
                org=org_profile(self.session, self.org_id),
                record_n=record.n,
                digest=digest_to_hex(record.digest),
            )

        return run_idempotent(
            self.session,
            org=self.admin,
            key=self.idempotency_key,
            request=self.request,
            body=self.body,
            status_code=status_code,
            produce=produce,
        )
