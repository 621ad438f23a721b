"""Queries for organisations and their API keys."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import ApiKey, Organization


class OrgRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_id(self, org_id: int) -> Organization | None:
        return self.session.get(Organization, org_id)

    def get_by_slug(self, slug: str) -> Organization | None:
        return self.session.scalars(select(Organization).where(Organization.slug == slug)).first()

    def names_by_slug(self, slugs: set[str]) -> dict[str, str]:
        query = select(Organization.slug, Organization.name).where(Organization.slug.in_(slugs))
        return {slug: name for slug, name in self.session.execute(query).all()}

    def get_active_key_by_prefix(self, prefix: str) -> ApiKey | None:
        query = select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        return self.session.scalars(query).first()

    def add(self, row: Organization | ApiKey) -> None:
        self.session.add(row)
        self.session.flush()
