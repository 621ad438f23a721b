"""Signed records: an organisation registers its Ethereum addresses, then signs its records'
digests (EIP-712). The service checks each signature when it is sent and again on every read,
against the digest recomputed from the stored record."""

from __future__ import annotations

import json

from eth_utils.address import to_checksum_address
from sqlalchemy.orm import Session

from service.db.models import OrgAddress, Organization, Record, RecordSignature
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.hashing import digest_to_hex, record_digest
from service.signatures.eip712 import recover_signer, typed_data
from service.signatures.repository import SignatureRepository
from service.signatures.schemas import OrgSigning, SignatureRead, SigningPayload


def org_signing(session: Session, org: Organization) -> OrgSigning:
    addresses = SignatureRepository(session).list_addresses(org.id)
    return OrgSigning(slug=org.slug, addresses=addresses, require_signatures=org.require_signatures)


def register_address(session: Session, org: Organization, address: str) -> OrgSigning:
    repo = SignatureRepository(session)
    checksummed = to_checksum_address(address)
    existing = repo.get_address(checksummed)
    if existing is not None and existing.org_id != org.id:
        raise Conflict("this address belongs to another organisation", field="address")
    if existing is None:
        repo.add(OrgAddress(org_id=org.id, address=checksummed))
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
