"""Signatures as part of every verdict: re-checked against recomputed digests (collected and
registered by ``service.signatures``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Organization, Record
from service.hashing import digest_from_hex
from service.signatures.eip712 import recover_signer
from service.signatures.repository import SignatureRepository
from service.verdicts.schemas import RecordVerdict, RecordVerification, SignedBy


def attach_signatures(
    session: Session, records: Sequence[Record], results: Sequence[RecordVerification]
) -> None:
    """Fill ``signed_by`` / ``signature_missing``; a signature that no longer matches the
    record's recomputed digest, or whose key is not the actor's, makes the record tampered."""
    repo = SignatureRepository(session)
    signatures = repo.list_for_records([r.id for r in records])
    owners = repo.owners_of([s.signer for s in signatures.values()]) if signatures else {}
    actors = {r.actor_org_id for r in records}
    orgs = {
        o.id: o for o in session.scalars(select(Organization).where(Organization.id.in_(actors)))
    }
    for record, result in zip(records, results, strict=True):
        signature = signatures.get(record.id)
        actor = orgs.get(record.actor_org_id) if record.actor_org_id is not None else None
        if signature is None:
            result.signature_missing = bool(actor and actor.require_signatures)
            continue
        signer = recover_signer(digest_from_hex(result.digest), signature.signature)
        owner = owners.get(signature.signer)
        if (
            signer != signature.signer
            or owner is None
            or owner.org_id != record.actor_org_id
            # A removed address vouches only for what it signed before its removal.
            or (owner.revoked_at is not None and signature.created_at >= owner.revoked_at)
        ):
            result.verdict = RecordVerdict.tampered
            result.reason = "its signature does not match the record or its author"
            continue
        result.signed_by = SignedBy(org=actor.slug if actor else "?", address=signer)
