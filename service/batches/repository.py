from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from service.db.base import NO_SYNC, sync_loaded, table_of
from service.db.models import Batch, Record
from service.db.writes import touching

# Built once: every recorded event runs these; a Core statement skips the ORM's bulk-update
# bookkeeping (about a tenth of a single POST's CPU time, measured with py-spy).
_batches = table_of(Batch).c
_ADVANCE_HEAD = (
    update(table_of(Batch))
    .where(_batches.id == bindparam("batch_id"), _batches.record_count == bindparam("after"))
    .values(record_count=bindparam("count"), head_digest=bindparam("head"))
)

_LOCK_FOR_APPEND = (
    select(Batch)
    .where(Batch.id.in_(bindparam("batch_ids", expanding=True)))
    .order_by(Batch.id)
    .with_for_update()
    .execution_options(populate_existing=True)
)


class BatchRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_id(self, batch_id: int) -> Batch | None:
        return self.session.get(Batch, batch_id)

    def has_record_by(self, batch_id: int, org_id: int) -> bool:
        """Whether ``org_id`` has recorded anything on the batch."""
        query = select(Record.id).where(Record.batch_id == batch_id, Record.actor_org_id == org_id)
        return self.session.scalars(query.limit(1)).first() is not None

    def get_by_gtin_lot(self, gtin: str, lot: str) -> Batch | None:
        query = select(Batch).where(Batch.gtin == gtin, Batch.lot == lot)
        return self.session.scalars(query).first()

    def add(self, batch: Batch) -> None:
        self.session.add(batch)
        self.session.flush()

    def get_for_append(self, batch_ids: Collection[int]) -> Sequence[Batch]:
        """The batches that exist, read afresh under PostgreSQL's row locks (taken in id
        order; SQLite's write lock is already held): concurrent appends to one batch then
        check custody and holds one at a time."""
        return self.session.scalars(_LOCK_FOR_APPEND, {"batch_ids": list(batch_ids)}).all()

    def reserve_records(self, batch_id: int, count: int) -> tuple[int, bytes | None]:
        """Take the next ``count`` record numbers; returns (first n, previous digest).

        The UPDATE also takes PostgreSQL's row lock, so concurrent appends to one batch queue
        here instead of racing for the same ``n``.
        """
        row = self.session.execute(
            update(Batch)
            .where(Batch.id == batch_id)
            .values(record_count=Batch.record_count + count)
            .returning(Batch.record_count, Batch.head_digest),
            execution_options=NO_SYNC | touching([batch_id]),
        ).one()
        sync_loaded(self.session, Batch, batch_id, record_count=row[0])
        return int(row[0]) - count, row[1]

    def advance_heads(self, heads: Sequence[tuple[int, int, int, bytes | None]]) -> None:
        """Records were appended to each (batch id, old count, new count, new head) by the
        holder of its row lock (``get_for_append``); anything else moving a count is a bug."""
        params = [
            {"batch_id": batch_id, "after": after, "count": count, "head": head}
            for batch_id, after, count, head in heads
        ]
        touched = touching(batch_id for batch_id, *_ in heads)
        result = self.session.execute(_ADVANCE_HEAD, params, execution_options=touched)
        if result.rowcount != len(params):  # type: ignore[attr-defined]
            raise RuntimeError(f"one of batches {[h[0] for h in heads]} changed under its lock")
        for batch_id, _, count, head in heads:
            sync_loaded(self.session, Batch, batch_id, record_count=count, head_digest=head)

    def set_head(self, batch_id: int, digest: bytes) -> None:
        query = update(Batch).where(Batch.id == batch_id).values(head_digest=digest)
        self.session.execute(query, execution_options=NO_SYNC | touching([batch_id]))
        sync_loaded(self.session, Batch, batch_id, head_digest=digest)
