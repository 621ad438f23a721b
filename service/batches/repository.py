from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.db.base import NO_SYNC, sync_loaded
from service.db.models import Batch


class BatchRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_id(self, batch_id: int) -> Batch | None:
        return self.session.get(Batch, batch_id)

    def get_by_gtin_lot(self, gtin: str, lot: str) -> Batch | None:
        query = select(Batch).where(Batch.gtin == gtin, Batch.lot == lot)
        return self.session.scalars(query).first()

    def add(self, batch: Batch) -> None:
        self.session.add(batch)
        self.session.flush()

    def reserve_next_record(self, batch_id: int) -> tuple[int, bytes | None]:
        """Lock the batch row and take the next record number; returns (n, previous digest).

        The UPDATE takes PostgreSQL's row lock (SQLite's write lock is already held), so
        concurrent appends to one batch queue here instead of racing for the same ``n``.
        """
        row = self.session.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(record_count=Batch.record_count + 1)
            .returning(Batch.record_count, Batch.head_digest),
            execution_options=NO_SYNC,
        ).one()
        sync_loaded(self.session, Batch, batch_id, record_count=row[0])
        return int(row[0]) - 1, row[1]

    def set_head(self, batch_id: int, digest: bytes) -> None:
        query = update(Batch).where(Batch.id == batch_id).values(head_digest=digest)
        self.session.execute(query, execution_options=NO_SYNC)
        sync_loaded(self.session, Batch, batch_id, head_digest=digest)
