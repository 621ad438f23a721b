from __future__ import annotations

from pydantic import BaseModel

from service.db.models import OrgRole


class OrgCreated(BaseModel):
    """What ``lotproof org create`` prints: the only time the API key is shown."""

    id: int
    slug: str
    role: OrgRole
    api_key: str


class OrgRead(BaseModel):
    id: int
    slug: str
    name: str
    role: OrgRole
