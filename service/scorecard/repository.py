"""Every query the scorecard needs. Windows are half-open: ``start <= t < end``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from service.db.models import (
    Batch,
    Category,
    Certificate,
    Complaint,
    Organization,
    Product,
    Recall,
    RecallBatch,
    Record,
)

INSPECTION = "inspection"


class ScorecardRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_org_by_id(self, org_id: int) -> Organization | None:
        return self.session.get(Organization, org_id)

    def list_inspections(
        self, org_id: int, start: datetime, end: datetime
    ) -> Sequence[Row[Record, Batch]]:
        """Inspection records of the org's batches whose (anchored) event time is in the window."""
        query = (
            select(Record, Batch)
            .join(Batch, Batch.id == Record.batch_id)
            .where(
                Batch.owner_org_id == org_id,
                Record.event_type == INSPECTION,
                Record.event_time >= start,
                Record.event_time < end,
            )
            .order_by(Record.id)
        )
        return self.session.execute(query).all()

    def list_complaints(self, org_id: int, start: datetime, end: datetime) -> Sequence[Complaint]:
        query = (
            select(Complaint)
            .join(Batch, Batch.id == Complaint.batch_id)
            .where(
                Batch.owner_org_id == org_id,
                Complaint.created_at >= start,
                Complaint.created_at < end,
            )
            .order_by(Complaint.id)
        )
        return self.session.scalars(query).all()

    def list_batch_quantities(
        self, org_id: int, start: datetime, end: datetime, also: set[int]
    ) -> Sequence[Row[int, float]]:
        """(id, quantity) of the org's batches created in the window, plus the ``also`` ids."""
        in_window = (Batch.created_at >= start) & (Batch.created_at < end)
        query = (
            select(Batch.id, Batch.quantity)
            .where(Batch.owner_org_id == org_id, in_window | Batch.id.in_(also))
            .order_by(Batch.id)
        )
        return self.session.execute(query).all()

    def list_recalls(self, org_id: int, start: datetime, end: datetime) -> Sequence[Row[int, int]]:
        """(recall id, recall record id) for each of the org's batches a recall reached."""
        query = (
            select(RecallBatch.recall_id, RecallBatch.record_id)
            .join(Recall, Recall.id == RecallBatch.recall_id)
            .join(Batch, Batch.id == RecallBatch.batch_id)
            .where(
                Batch.owner_org_id == org_id,
                Recall.created_at >= start,
                Recall.created_at < end,
            )
            .order_by(RecallBatch.id)
        )
        return self.session.execute(query).all()

    def list_required_certificate_types(self, org_id: int) -> set[str]:
        """Every type a category of the org's products requires (today's configuration)."""
        query = (
            select(Category.required_certificates)
            .join(Product, Product.category == Category.name)
            .where(Product.owner_org_id == org_id)
        )
        return {t for types in self.session.scalars(query).all() for t in types}

    def list_certificates(self, org_id: int) -> Sequence[Row[Certificate, int]]:
        """(certificate, n of its record in the org's history), oldest first."""
        query = (
            select(Certificate, Record.n)
            .join(Record, Record.id == Certificate.record_id)
            .where(Certificate.org_id == org_id)
            .order_by(Certificate.id)
        )
        return self.session.execute(query).all()
