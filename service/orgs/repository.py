"""Queries for organisations (authenticating a key: ``service.auth.repository``)."""

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

    def by_slugs(self, slugs: set[str]) -> dict[str, Organization]:
        query = select(Organization).where(Organization.slug.in_(slugs))
        return {org.slug: org for org in self.session.scalars(query)}

    def add(self, row: Organization | ApiKey) -> None:
        self.session.add(row)
        self.session.flush()
