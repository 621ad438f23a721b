"""What recording an event needs to read from a batch's history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Record
from service.records.epcis import EventType


class EventRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def last_shipment_time(self, batch_id: int) -> datetime | None:
        """The event time of the batch's most recently recorded shipment, if any."""
        query = (
            select(Record.event_time)
            .where(Record.batch_id == batch_id, Record.event_type == EventType.shipping)
            .order_by(Record.n.desc())
            .limit(1)
        )
        return self.session.scalars(query).first()
