from __future__ import annotations

import secrets
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import OrgAddress, RecordSignature, ServiceSecret


class SignatureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: OrgAddress | RecordSignature) -> None:
        self.session.add(row)
        self.session.flush()

    def list_addresses(self, org_id: int) -> list[str]:
        """The organisation's current addresses (not those it removed)."""
        query = select(OrgAddress.address).where(
            OrgAddress.org_id == org_id, OrgAddress.revoked_at.is_(None)
        )
        return list(self.session.scalars(query.order_by(OrgAddress.id)))

    def get_address(self, address: str) -> OrgAddress | None:
        query = select(OrgAddress).where(OrgAddress.address == address)
        return self.session.scalars(query).first()

    def get_for_record(self, record_id: int) -> RecordSignature | None:
        query = select(RecordSignature).where(RecordSignature.record_id == record_id)
        return self.session.scalars(query).first()

    def list_for_records(self, record_ids: Sequence[int]) -> dict[int, RecordSignature]:
        query = select(RecordSignature).where(RecordSignature.record_id.in_(record_ids))
        return {row.record_id: row for row in self.session.scalars(query)}

    def owners_of(self, addresses: Sequence[str]) -> dict[str, OrgAddress]:
        """Each address's registration, removed ones included (history stays checkable)."""
        query = select(OrgAddress).where(OrgAddress.address.in_(addresses))
        return {row.address: row for row in self.session.scalars(query)}

    def service_secret(self, name: str) -> bytes:
        """A key the service made for itself, made on first use and kept for every instance."""
        row = self.session.get(ServiceSecret, name)
        if row is None:
            row = ServiceSecret(name=name, value=secrets.token_bytes(32))
            self.session.add(row)
            self.session.flush()
        return row.value
