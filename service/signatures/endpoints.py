from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from service.deps import CurrentOrg, CurrentSettings, DbSession, RowId
from service.signatures import service
from service.signatures.schemas import (
    ADDRESS_PATTERN,
    AddressChallenge,
    AddressCreate,
    ChallengeCreate,
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


@router.post("/orgs/me/addresses/challenge", response_model=AddressChallenge)
def address_challenge(
    body: ChallengeCreate, org: CurrentOrg, session: DbSession, settings: CurrentSettings
) -> AddressChallenge:
    """Step 1 of registering an address: the text its key must sign (personal_sign)."""
    return service.address_challenge(session, settings, org, body.address)


@router.post("/orgs/me/addresses", status_code=201, response_model=OrgSigning)
def register_address(
    body: AddressCreate, org: CurrentOrg, session: DbSession, settings: CurrentSettings
) -> OrgSigning:
    """Step 2: the address, its challenge and the key's signature of the challenge's message."""
    return service.register_address(session, settings, org, body)


@router.delete("/orgs/me/addresses/{address}", response_model=OrgSigning)
def remove_address(
    address: Annotated[str, Path(pattern=ADDRESS_PATTERN)], org: CurrentOrg, session: DbSession
) -> OrgSigning:
    """Records signed with the address before now keep verifying; none can be signed after."""
    return service.remove_address(session, org, address)


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
