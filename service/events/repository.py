from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from service.db.base import table_of
from service.db.models import Record
from service.db.writes import touching

_records = table_of(Record)
_INSERT = insert(_records).returning(_records.c.batch_id, _records.c.n, _records.c.id)


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

    def insert_batch_records(self, rows: Sequence[dict[str, Any]]) -> dict[tuple[int, int], int]:
        """INSERT new records in a few statements; returns their ids by (batch id, ``n``).

        Core, not the ORM's bulk insert: the rows are complete, and its per-row bookkeeping
        doubles the cost of a 10,000-event import. The ids are matched by batch and ``n``
        because asking for them in parameter order makes SQLite run one statement per row.
        """
        touched = touching(row["batch_id"] for row in rows)
        result = self.session.execute(_INSERT, list(rows), execution_options=touched)
        return {(batch_id, n): record_id for batch_id, n, record_id in result}
