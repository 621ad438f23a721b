from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class ApiKeyRead(BaseModel):
    """A key as its organisation sees it: never the secret, only the public prefix."""

    prefix: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
    active: bool


class ApiKeyIssued(ApiKeyRead):
    """The answer to issuing a key: the only time the whole key is shown."""

    api_key: str


class ApiKeyList(BaseModel):
    items: list[ApiKeyRead]
