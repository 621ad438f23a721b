from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import OrgAddress, RecordSignature


class SignatureRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: OrgAddress | RecordSignature) -> None:
        self.session.add(row)
        self.session.flush()

    def list_addresses(self, org_id: int) -> list[str]:
        query = select(OrgAddress.address).where(OrgAddress.org_id == org_id)
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

    def owners_of(self, addresses: Sequence[str]) -> dict[str, int]:
        query = select(OrgAddress.address, OrgAddress.org_id).where(
            OrgAddress.address.in_(addresses)
        )
        return {address: org_id for address, org_id in self.session.execute(query).all()}
