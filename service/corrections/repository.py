"""The records a declaration is about, read under the batch's lock."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.db.models import Record

ERROR_DECLARATION = "error_declaration"  # the records' event_type (docs/design.md §2.6)


class CorrectionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_batch_n(self, batch_id: int, n: int) -> Record | None:
        query = select(Record).where(Record.batch_id == batch_id, Record.n == n)
        return self.session.scalars(query).one_or_none()

    def list_by_batch_ns(self, batch_id: int, ns: Collection[int]) -> dict[int, Record]:
        query = select(Record).where(Record.batch_id == batch_id, Record.n.in_(list(ns)))
        return {record.n: record for record in self.session.scalars(query)}

    def list_declarations(self, batch_id: int) -> Sequence[Record]:
        """The batch's error declarations (the index on batch, type and time finds them)."""
        query = select(Record).where(
            Record.batch_id == batch_id, Record.event_type == ERROR_DECLARATION
        )
        return self.session.scalars(query.order_by(Record.n)).all()
