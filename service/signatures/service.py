"""Signed records: an organisation registers its Ethereum addresses, then signs its records'
digests (EIP-712). The service checks each signature when it is sent and again on every read,
against the digest recomputed from the stored record.

Registering an address proves its key (``service.signatures.challenge``). Removing one sets
its ``revoked_at`` and keeps the row: signatures made before then still verify as that
organisation's (the history stays true), no record can be signed with it afterwards, and the
address cannot be registered again, by anyone.
"""

from __future__ import annotations

import json

from eth_utils.address import to_checksum_address
from sqlalchemy.orm import Session

from service.config import Settings
from service.db.base import utcnow
from service.db.models import OrgAddress, Organization, Record, RecordSignature
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.hashing import digest_to_hex, record_digest
from service.signatures import challenge
from service.signatures.eip712 import recover_signer, typed_data
from service.signatures.repository import SignatureRepository
from service.signatures.schemas import (
    AddressChallenge,
    AddressCreate,
    OrgSigning,
    SignatureRead,
    SigningPayload,
)


def org_signing(session: Session, org: Organization) -> OrgSigning:
    addresses = SignatureRepository(session).list_addresses(org.id)
    return OrgSigning(slug=org.slug, addresses=addresses, require_signatures=org.require_signatures)


def address_challenge(
    session: Session, settings: Settings, org: Organization, address: str
) -> AddressChallenge:
    checksummed = to_checksum_address(address)
    issued = challenge.issue(session, settings, org, checksummed, utcnow())
    return AddressChallenge(
        address=checksummed,
        challenge=issued.token,
        message=issued.message,
        expires_at=issued.expires_at,
    )


def register_address(
    session: Session, settings: Settings, org: Organization, body: AddressCreate
) -> OrgSigning:
    """Register ``body.address`` once its key has signed the challenge issued for it."""
    checksummed = to_checksum_address(body.address)
    challenge.check(
        session,
        settings,
        org,
        checksummed,
        token=body.challenge,
        signature=body.signature,
        now=utcnow(),
    )
    repo = SignatureRepository(session)
    existing = repo.get_address(checksummed)
    if existing is not None and existing.revoked_at is not None:
        raise Conflict("this address was removed and cannot be registered again", field="address")
    if existing is not None and existing.org_id != org.id:
        raise Conflict("this address belongs to another organisation", field="address")
    if existing is None:
        repo.add(OrgAddress(org_id=org.id, address=checksummed))
    return org_signing(session, org)


def remove_address(session: Session, org: Organization, address: str) -> OrgSigning:
    """Stop ``address`` counting for ``org`` from now on (see the module's docstring)."""
    repo = SignatureRepository(session)
    row = repo.get_address(to_checksum_address(address))
    if row is None or row.org_id != org.id or row.revoked_at is not None:
        raise NotFound(f"{address} is not a current address of {org.slug}", field="address")
    if org.require_signatures and len(repo.list_addresses(org.id)) == 1:
        raise Conflict(
            "the last address while signatures are required: register another first, or "
            "stop requiring signatures",
            field="address",
        )
    row.revoked_at = utcnow()
    session.flush()
    return org_signing(session, org)


def set_policy(session: Session, org: Organization, require: bool) -> OrgSigning:
    if require and not SignatureRepository(session).list_addresses(org.id):
        raise Conflict(
            "register an address before requiring signatures", field="require_signatures"
        )
    org.require_signatures = require
    session.flush()
    return org_signing(session, org)


def _own_record(session: Session, org: Organization, record_id: int) -> tuple[Record, bytes]:
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound(f"no record {record_id}")
    if record.actor_org_id != org.id:
        raise Forbidden("an organisation signs only the records it made")
    if record.content is None:
        raise Conflict("a redacted record can no longer be signed")
    return record, record_digest(json.loads(record.content))


def signing_payload(session: Session, org: Organization, record_id: int) -> SigningPayload:
    _, digest = _own_record(session, org, record_id)
    return SigningPayload(
        record_id=record_id, digest=digest_to_hex(digest), typed_data=typed_data(digest)
    )


def sign_record(
    session: Session, org: Organization, record_id: int, signature: str
) -> SignatureRead:
    record, digest = _own_record(session, org, record_id)
    repo = SignatureRepository(session)
    if repo.get_for_record(record.id) is not None:
        raise Conflict("the record is already signed")
    signer = recover_signer(digest, signature)
    if signer is None:
        raise InvalidInput("not a valid signature", field="signature")
    if signer not in repo.list_addresses(org.id):
        raise InvalidInput(
            f"signed by {signer}, which is not a registered address of {org.slug}",
            field="signature",
        )
    row = RecordSignature(record_id=record.id, signer=signer, signature=signature)
    repo.add(row)
    return SignatureRead(
        record_id=record.id, signer=signer, org=org.slug, created_at=row.created_at
    )
