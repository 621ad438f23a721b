from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Batch, Record


class BatchRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_id(self, batch_id: int) -> Batch | None:
        return self.session.get(Batch, batch_id)

    def has_record_by(self, batch_id: int, org_id: int) -> bool:
        """Whether ``org_id`` has recorded anything on the batch."""
        query = select(Record.id).where(Record.batch_id == batch_id, Record.actor_org_id == org_id)
        return self.session.scalars(query.limit(1)).first() is not None

    def get_by_gtin_lot(self, gtin: str, lot: str) -> Batch | None:
        query = select(Batch).where(Batch.gtin == gtin, Batch.lot == lot)
        return self.session.scalars(query).first()

    def add(self, batch: Batch) -> None:
        self.session.add(batch)
        self.session.flush()
