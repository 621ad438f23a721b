"""Records, and the heads of the chains they are appended to (a batch's, an organisation's).

The chain operations live here, beside the records, because appending is one act: lock the
subject, take its next ``n`` and head digest, insert, move the head. Nothing else moves a
subject's ``record_count`` or ``head_digest``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from service.db.base import NO_SYNC, sync_loaded, table_of
from service.db.models import Batch, Organization, Record
from service.db.writes import touching

_records = table_of(Record)
_INSERT = insert(_records).returning(_records.c.batch_id, _records.c.n, _records.c.id)

# Built once: every recorded event runs these; a Core statement skips the ORM's bulk-update
# bookkeeping, a noticeable share of a single POST's CPU time.
_batches = table_of(Batch).c
_ADVANCE_HEAD = (
    update(table_of(Batch))
    .where(_batches.id == bindparam("batch_id"), _batches.record_count == bindparam("after"))
    .values(record_count=bindparam("count"), head_digest=bindparam("head"))
)
_LOCK_BATCHES = (
    select(Batch)
    .where(Batch.id.in_(bindparam("batch_ids", expanding=True)))
    .order_by(Batch.id)
    .with_for_update()
    .execution_options(populate_existing=True)
)


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


class ChainRepository:
    """The heads of batch and organisation chains: only the record writer uses it."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_batches(self, batch_ids: Collection[int]) -> Sequence[Batch]:
        """The batches that exist, read afresh under PostgreSQL's row locks (taken in id
        order, so two transactions locking overlapping sets queue instead of deadlocking;
        SQLite's write lock is already held): custody checks, holds and numbering then see
        one state until the transaction ends."""
        return self.session.scalars(_LOCK_BATCHES, {"batch_ids": list(batch_ids)}).all()

    def reserve_batch_records(self, batch_id: int, count: int) -> tuple[int, bytes | None]:
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

    def advance_batch_heads(self, heads: Sequence[tuple[int, int, int, bytes | None]]) -> None:
        """Records were appended to each (batch id, old count, new count, new head) by the
        holder of its row lock (``lock_batches``); anything else moving a count is a bug."""
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

    def set_batch_head(self, batch_id: int, digest: bytes) -> None:
        query = update(Batch).where(Batch.id == batch_id).values(head_digest=digest)
        self.session.execute(query, execution_options=NO_SYNC | touching([batch_id]))
        sync_loaded(self.session, Batch, batch_id, head_digest=digest)

    def reserve_org_record(self, org_id: int) -> tuple[int, bytes | None]:
        """Lock the organisation row and take its next record number: (n, previous digest),
        serialised as a batch's are."""
        row = self.session.execute(
            update(Organization)
            .where(Organization.id == org_id)
            .values(record_count=Organization.record_count + 1)
            .returning(Organization.record_count, Organization.head_digest),
            execution_options=NO_SYNC,
        ).one()
        sync_loaded(self.session, Organization, org_id, record_count=row[0])
        return int(row[0]) - 1, row[1]

    def set_org_head(self, org_id: int, digest: bytes) -> None:
        query = update(Organization).where(Organization.id == org_id).values(head_digest=digest)
        self.session.execute(query, execution_options=NO_SYNC)
        sync_loaded(self.session, Organization, org_id, head_digest=digest)
