"""Issuing, listing and revoking an organisation's API keys (using them: ``service.auth``).

Rotation is issue-then-revoke: a client switches to the new key, then the old one is revoked,
so there is no moment without a working key.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.apikeys.repository import ApiKeyRepository
from service.apikeys.schemas import ApiKeyIssued, ApiKeyList, ApiKeyRead
from service.auth.keyformat import hash_key, make_key
from service.db.base import utcnow
from service.db.models import ApiKey, Organization, OrgRole
from service.errors import Conflict, Forbidden, NotFound


def require_key_manager(caller: Organization, org_id: int) -> None:
    """An organisation manages its own keys; an admin manages anyone's."""
    if caller.id != org_id and caller.role != OrgRole.admin:
        raise Forbidden("only the organisation itself or an admin manages its API keys")


def list_keys(session: Session, caller: Organization, org_id: int) -> ApiKeyList:
    require_key_manager(caller, org_id)
    return ApiKeyList(items=[_read(k) for k in ApiKeyRepository(session).list_for_org(org_id)])


def issue_key(session: Session, caller: Organization, org_id: int) -> ApiKeyIssued:
    require_key_manager(caller, org_id)
    if session.get(Organization, org_id) is None:
        raise NotFound(f"no organisation {org_id}")
    new = make_key()
    row = ApiKey(org_id=org_id, prefix=new.prefix, key_hash=hash_key(new.key), created_at=utcnow())
    session.add(row)
    session.flush()
    return ApiKeyIssued(**_read(row).model_dump(), api_key=new.key)


def revoke_key(session: Session, caller: Organization, org_id: int, prefix: str) -> ApiKeyRead:
    require_key_manager(caller, org_id)
    repo = ApiKeyRepository(session)
    row = repo.get_for_org(org_id, prefix)
    if row is None:
        raise NotFound(f"organisation {org_id} has no API key {prefix}")
    if row.revoked_at is None:
        if caller.id == org_id and repo.count_active(org_id) == 1:
            # Revoking one's own last key would leave only an admin able to issue another.
            raise Conflict("this is the organisation's last active key: issue a new one first")
        row.revoked_at = utcnow()
        session.flush()
    return _read(row)


def _read(row: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        prefix=row.prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        active=row.revoked_at is None,
    )
