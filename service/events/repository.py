from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Record


class RecordRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, record: Record) -> None:
        self.session.add(record)
        self.session.flush()

    def list_by_batch(self, batch_id: int) -> Sequence[Record]:
        query = select(Record).where(Record.batch_id == batch_id).order_by(Record.n)
        return self.session.scalars(query).all()

    def list_by_org(self, org_id: int) -> Sequence[Record]:
        """An organisation's own history (format v2 records), in order."""
        query = select(Record).where(Record.subject_org_id == org_id).order_by(Record.n)
        return self.session.scalars(query).all()
