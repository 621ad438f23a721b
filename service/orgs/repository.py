"""Queries for organisations and their API keys."""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from service.db.base import NO_SYNC, sync_loaded
from service.db.models import ApiKey, Organization

# Built once (every authenticated request runs it): no per-request statement construction.
_KEY_AND_ORG = (
    select(ApiKey, Organization)
    .join(Organization, Organization.id == ApiKey.org_id)
    .where(ApiKey.prefix == bindparam("prefix"), ApiKey.revoked_at.is_(None))
)


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

    def get_active_key_by_prefix(self, prefix: str) -> tuple[ApiKey, Organization] | None:
        """The unrevoked key with this public prefix and its organisation (one query: every
        authenticated request asks)."""
        row = self.session.execute(_KEY_AND_ORG, {"prefix": prefix}).first()
        return None if row is None else (row[0], row[1])

    def reserve_next_record(self, org_id: int) -> tuple[int, bytes | None]:
        """Lock the organisation row and take its next record number: (n, previous digest).

        The same serialisation as a batch's (``BatchRepository.reserve_records``).
        """
        row = self.session.execute(
            update(Organization)
            .where(Organization.id == org_id)
            .values(record_count=Organization.record_count + 1)
            .returning(Organization.record_count, Organization.head_digest),
            execution_options=NO_SYNC,
        ).one()
        sync_loaded(self.session, Organization, org_id, record_count=row[0])
        return int(row[0]) - 1, row[1]

    def set_head(self, org_id: int, digest: bytes) -> None:
        query = update(Organization).where(Organization.id == org_id).values(head_digest=digest)
        self.session.execute(query, execution_options=NO_SYNC)
        sync_loaded(self.session, Organization, org_id, head_digest=digest)

    def add(self, row: Organization | ApiKey) -> None:
        self.session.add(row)
        self.session.flush()
