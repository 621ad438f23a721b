"""``/api/v1/orgs/{org_id}/keys``: list, issue (rotate) and revoke an organisation's API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from service.apikeys import service
from service.apikeys.schemas import ApiKeyIssued, ApiKeyList, ApiKeyRead
from service.deps import CurrentOrg, DbSession, RowId

router = APIRouter(prefix="/api/v1/orgs/{org_id}/keys", tags=["api keys"])
KeyPrefix = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="the key's public prefix")]


@router.get("", response_model=ApiKeyList)
def list_api_keys(org_id: RowId, org: CurrentOrg, session: DbSession) -> ApiKeyList:
    """The organisation's keys, active and revoked, with when each was last used."""
    return service.list_keys(session, org, org_id)


@router.post("", status_code=201, response_model=ApiKeyIssued)
def issue_api_key(org_id: RowId, org: CurrentOrg, session: DbSession) -> ApiKeyIssued:
    """A new key; the whole key is in this answer and nowhere else. Rotate by issuing one,
    switching to it, then revoking the old one."""
    return service.issue_key(session, org, org_id)


@router.post("/{prefix}/revoke", response_model=ApiKeyRead)
def revoke_api_key(
    org_id: RowId, prefix: KeyPrefix, org: CurrentOrg, session: DbSession
) -> ApiKeyRead:
    """The key stops working at once (every request looks it up)."""
    return service.revoke_key(session, org, org_id, prefix)
