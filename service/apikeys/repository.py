"""Queries for managing API keys (the lookup that authenticates: ``service.auth.repository``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.db.models import ApiKey


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def list_for_org(self, org_id: int) -> Sequence[ApiKey]:
        query = select(ApiKey).where(ApiKey.org_id == org_id).order_by(ApiKey.id)
        return self.session.scalars(query).all()

    def get_for_org(self, org_id: int, prefix: str) -> ApiKey | None:
        query = select(ApiKey).where(ApiKey.org_id == org_id, ApiKey.prefix == prefix)
        return self.session.scalars(query).first()

    def count_active(self, org_id: int) -> int:
        query = select(func.count()).where(ApiKey.org_id == org_id, ApiKey.revoked_at.is_(None))
        return int(self.session.scalar(query) or 0)
