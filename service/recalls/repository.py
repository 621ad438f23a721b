from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from service.db.models import Batch, Product, Recall, RecallBatch, Record


class RecallRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, recall: Recall) -> None:
        self.session.add(recall)
        self.session.flush()  # the id goes into every recall record

    def add_batches(self, entries: Sequence[RecallBatch]) -> None:
        self.session.add_all(entries)
        self.session.flush()

    def get_by_id(self, recall_id: int) -> Recall | None:
        return self.session.get(Recall, recall_id)

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
