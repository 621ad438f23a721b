from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.db.models import Complaint


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
