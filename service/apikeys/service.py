"""Issuing, listing and revoking an organisation's API keys, and noting when each is used.

Rotation is issue-then-revoke: a client switches to the new key, then the old one is revoked,
so there is no moment without a working key.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.apikeys.keyformat import hash_key, make_key
from service.apikeys.repository import ApiKeyRepository
from service.apikeys.schemas import ApiKeyIssued, ApiKeyList, ApiKeyRead
from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.db.models import ApiKey, Organization, OrgRole
from service.errors import Conflict, Forbidden, NotFound

# Recording every use would make every request, reads included, a write.
LAST_USE_RESOLUTION = timedelta(minutes=1)


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


def note_use(sessions: SessionFactory, key: ApiKey, now: datetime | None = None) -> None:
    """Record that ``key`` was just used, unless that was already recorded within a minute."""
    now = now or utcnow()
    if _noted_recently(key, now):
        return
    with sessions.write() as session, session.begin():
        ApiKeyRepository(session).set_last_used(key.id, now)


def note_use_in(session: Session, key: ApiKey) -> None:
    """``note_use`` inside a write transaction the caller already holds (group commit)."""
    now = utcnow()
    if not _noted_recently(key, now):
        # Through the ORM: later jobs of the same group then see it noted and write nothing.
        key.last_used_at = now


def _noted_recently(key: ApiKey, now: datetime) -> bool:
    return key.last_used_at is not None and now - key.last_used_at < LAST_USE_RESOLUTION


def _read(row: ApiKey) -> ApiKeyRead:
    return ApiKeyRead(
        prefix=row.prefix,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
        active=row.revoked_at is None,
    )
