from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from service.db.models import OrgRole
from service.text import SafeText


class OrgCreated(BaseModel):
    """What ``lotproof org create`` prints: the only time the API key is shown."""

    id: int
    slug: str
    role: OrgRole
    api_key: str


class OrgProfile(BaseModel):
    """An organisation as any API user sees it, including whether it may write."""

    id: int
    slug: str
    name: str
    role: OrgRole
    suspended: bool
    suspended_at: datetime | None
    suspension_reason: str | None
    # Records in the organisation's own history (certificates, suspensions).
    record_count: int


class SuspensionChange(BaseModel):
    reason: SafeText = Field(min_length=1, max_length=2000)


class SuspensionRead(BaseModel):
    org: OrgProfile
    # The record in the organisation's history that states the decision.
    record_n: int
    digest: str
