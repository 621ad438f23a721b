from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, or_, select
from sqlalchemy.orm import Session

from service.db.models import Batch, Organization, Product, Recall, RecallBatch, Record
from service.db.models.recalls import RecallOutcome, RecallStatus

# A recall still recalls its lots while open, and after it was closed as completed.
IN_FORCE = or_(Recall.status == RecallStatus.open, Recall.outcome == RecallOutcome.completed)


class RecallRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, recall: Recall) -> None:
        self.session.add(recall)
        self.session.flush()  # the id goes into every recall record

    def add_batches(self, entries: Sequence[RecallBatch]) -> None:
        self.session.add_all(entries)
        self.session.flush()

    def get_by_id(self, recall_id: int, *, lock: bool = False) -> Recall | None:
        """With ``lock``, the row is held until the transaction ends (one change at a time)."""
        query = select(Recall).where(Recall.id == recall_id)
        if lock:
            query = query.with_for_update()
        return self.session.scalars(query).first()

    def list_entries(self, recall_id: int) -> Sequence[RecallBatch]:
        query = select(RecallBatch).where(RecallBatch.recall_id == recall_id)
        return self.session.scalars(query.order_by(RecallBatch.id)).all()

    def oldest_in_force(self, batch_id: int) -> Recall | None:
        """The oldest recall that still recalls the batch, if any."""
        query = (
            select(Recall)
            .join(RecallBatch, RecallBatch.recall_id == Recall.id)
            .where(RecallBatch.batch_id == batch_id, IN_FORCE)
            .order_by(Recall.created_at, Recall.id)
            .limit(1)
        )
        return self.session.scalars(query).first()

    def list_for_batch(self, batch_id: int) -> Sequence[Row[RecallBatch, Recall, str]]:
        """Every recall that reached the batch, with its issuer's name; newest first."""
        query = (
            select(RecallBatch, Recall, Organization.name)
            .join(Recall, Recall.id == RecallBatch.recall_id)
            .join(Organization, Organization.id == Recall.created_by_org_id)
            .where(RecallBatch.batch_id == batch_id)
            .order_by(Recall.created_at.desc(), Recall.id.desc())
        )
        return self.session.execute(query).all()

    def lots_by_id(self, batch_ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
        """{batch id: (gtin, lot, product name)}."""
        if not batch_ids:
            return {}
        query = (
            select(Batch.id, Batch.gtin, Batch.lot, Product.name)
            .join(Product, Product.id == Batch.product_id)
            .where(Batch.id.in_(set(batch_ids)))
        )
        return {row[0]: (row[1], row[2], row[3]) for row in self.session.execute(query).all()}

    def list_batches(self, recall_id: int) -> Sequence[Row[RecallBatch, Batch, str, int]]:
        """Each affected batch with its product's name and the n of its recall record, in the
        order the recall reached them (direct first, then downstream hop by hop)."""
        query = (
            select(RecallBatch, Batch, Product.name, Record.n)
            .join(Batch, Batch.id == RecallBatch.batch_id)
            .join(Product, Product.id == Batch.product_id)
            .join(Record, Record.id == RecallBatch.record_id)
            .where(RecallBatch.recall_id == recall_id)
            .order_by(RecallBatch.id)
        )
        return self.session.execute(query).all()
