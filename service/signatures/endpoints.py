from __future__ import annotations

from fastapi import APIRouter

from service.deps import CurrentOrg, DbSession, RowId
from service.signatures import service
from service.signatures.schemas import (
    AddressCreate,
    OrgSigning,
    SignatureCreate,
    SignatureRead,
    SigningPayload,
    SigningPolicy,
)

router = APIRouter(prefix="/api/v1", tags=["signatures"])


@router.get("/orgs/me/signing", response_model=OrgSigning)
def get_signing(org: CurrentOrg, session: DbSession) -> OrgSigning:
    return service.org_signing(session, org)


@router.post("/orgs/me/addresses", status_code=201, response_model=OrgSigning)
def register_address(body: AddressCreate, org: CurrentOrg, session: DbSession) -> OrgSigning:
    return service.register_address(session, org, body.address)


@router.put("/orgs/me/signing", response_model=OrgSigning)
def set_signing_policy(body: SigningPolicy, org: CurrentOrg, session: DbSession) -> OrgSigning:
    return service.set_policy(session, org, body.require_signatures)


@router.get("/records/{record_id}/signing-payload", response_model=SigningPayload)
def get_signing_payload(record_id: RowId, org: CurrentOrg, session: DbSession) -> SigningPayload:
    """The EIP-712 typed data to sign (eth_signTypedData_v4) for one of your records."""
    return service.signing_payload(session, org, record_id)


@router.post("/records/{record_id}/signature", status_code=201, response_model=SignatureRead)
def sign_record(
    record_id: RowId, body: SignatureCreate, org: CurrentOrg, session: DbSession
) -> SignatureRead:
    return service.sign_record(session, org, record_id, body.signature)
