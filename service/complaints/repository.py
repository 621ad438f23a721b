from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Row, func, select
from sqlalchemy.orm import Session

from service.db.models import Batch, Complaint


class ComplaintRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, complaint: Complaint) -> None:
        self.session.add(complaint)
        self.session.flush()

    def get_by_code(self, code: str) -> Complaint | None:
        return self.session.scalars(select(Complaint).where(Complaint.code == code)).first()

    def count_from_source_since(self, source: bytes, since: datetime) -> int:
        query = select(func.count()).where(
            Complaint.source == source, Complaint.created_at >= since
        )
        return int(self.session.scalar(query) or 0)

    def count_for_batch_since(self, batch_id: int, since: datetime) -> int:
        """Complaints on a batch since ``since``, except those its handler rejected."""
        query = select(func.count()).where(
            Complaint.batch_id == batch_id,
            Complaint.created_at >= since,
            Complaint.status != "rejected",
        )
        return int(self.session.scalar(query) or 0)

    def list_for_handler(
        self,
        owner_org_id: int | None,
        *,
        status: str | None,
        overdue_at: datetime | None,
        after: int | None,
        limit: int,
    ) -> Sequence[Row[Complaint, Batch]]:
        """Oldest first (the most urgent deadlines); ``owner_org_id`` None means every org."""
        query = select(Complaint, Batch).join(Batch, Batch.id == Complaint.batch_id)
        query = query.where(*_handler_filters(owner_org_id, status, overdue_at))
        if after is not None:
            query = query.where(Complaint.id > after)
        return self.session.execute(query.order_by(Complaint.id).limit(limit)).all()

    def count_overdue(self, owner_org_id: int | None, now: datetime) -> int:
        query = select(func.count()).select_from(Complaint).join(Batch)
        query = query.where(*_handler_filters(owner_org_id, None, now))
        return int(self.session.scalar(query) or 0)


def _handler_filters(
    owner_org_id: int | None, status: str | None, overdue_at: datetime | None
) -> list[ColumnElement[bool]]:
    filters: list[ColumnElement[bool]] = []
    if owner_org_id is not None:
        filters.append(Batch.owner_org_id == owner_org_id)
    if status is not None:
        filters.append(Complaint.status == status)
    if overdue_at is not None:
        # Overdue: still waiting for a first response after its deadline has passed.
        filters += [Complaint.first_response_at.is_(None), Complaint.deadline_at < overdue_at]
    return filters
