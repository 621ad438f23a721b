"""The two queries authentication makes: find a key with its organisation, note its use."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from service.db.models import ApiKey, Organization

# Built once (every authenticated request runs it): no per-request statement construction.
_KEY_AND_ORG = (
    select(ApiKey, Organization)
    .join(Organization, Organization.id == ApiKey.org_id)
    .where(ApiKey.prefix == bindparam("prefix"), ApiKey.revoked_at.is_(None))
)


class KeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def active_key(self, prefix: str) -> tuple[ApiKey, Organization] | None:
        """The unrevoked key with this public prefix and its organisation (one query: every
        authenticated request asks)."""
        row = self.session.execute(_KEY_AND_ORG, {"prefix": prefix}).first()
        return None if row is None else (row[0], row[1])

    def set_last_used(self, key_id: int, moment: datetime) -> None:
        query = update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=moment)
        self.session.execute(query, execution_options={"synchronize_session": False})
