"""Which batches each committed write transaction of this process may have changed.

The resolver's answer cache (``service.consumer.cache``) must show this process's writes at
once, but a supplier recording events into one lot must not throw away the cached answers of
every other lot: under steady writes that would turn a hot lot's scans into misses nearly
every time, each rebuilding about ten queries of rows.

So each commit is numbered, and remembered either as touching only certain batches or as
touching anything. A transaction counts as touching only batches when every row it wrote is
one of these:

* a ``Record`` or ``Batch`` object flushed by the ORM (its batch is read off the object);
* a Core INSERT/UPDATE on ``records`` or ``batches`` whose caller named the batches it
  touches with ``touching(batch_ids)`` as execution options (the recording hot path);
* a row of a table no answer shows (``NEUTRAL_TABLES``).

Anything else (another table, a statement on ``records``/``batches`` that did not name its
batches, raw SQL other than a SELECT) counts as touching anything. A mistake here can only
make the cache throw away too much, unless a writer names fewer batches than it touched.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Delete, Insert, TextClause, Update, event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from service.db.models import ApiKey, Batch, IdempotentRequest, Record, Scan, WebhookDelivery

CACHE_NEUTRAL = "lotproof_cache_neutral"
"""``session.info`` flag: this session's commits never change a cached answer (scan logging)."""

# Tables whose rows no resolver answer shows: key bookkeeping, idempotent replays, unit scan
# logs (answered uncached), webhook deliveries.
NEUTRAL_TABLES = frozenset(
    model.__tablename__ for model in (ApiKey, IdempotentRequest, Scan, WebhookDelivery)
)
_BATCH_TABLES = frozenset({Record.__tablename__, Batch.__tablename__})
_TOUCHED = "lotproof_touched_batches"  # execution option, and the session.info entry
_ANYTHING = "lotproof_wrote_anything"


def touching(batch_ids: Iterable[int]) -> dict[str, Any]:
    """Execution options for a statement on ``records``/``batches`` that changes rows of
    these batches only."""
    return {_TOUCHED: frozenset(batch_ids)}


class WriteLog:
    """Commit numbers: the latest that may have touched anything, and per batch.

    Batches share a fixed number of slots (by id), so the log stays the same size however
    many batches a long-running process writes to; two batches sharing a slot only make
    each other's answers look touched.
    """

    SLOTS = 4096

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._latest = 0
        self._anything = 0
        self._slots = [0] * self.SLOTS

    @property
    def latest(self) -> int:
        """The number of the latest commit that wrote; read it before reading the data."""
        return self._latest

    def note_commit(self, batch_ids: Collection[int] | None) -> None:
        """A transaction committed that touched ``batch_ids`` only (None: anything)."""
        with self._lock:
            self._latest += 1
            if batch_ids is None:
                self._anything = self._latest
            for batch_id in batch_ids or ():
                self._slots[batch_id % self.SLOTS] = self._latest

    def anything_since(self, seen: int) -> bool:
        """Whether a commit after ``seen`` may have touched anything."""
        return self._anything > seen

    def touched_since(self, seen: int, batch_ids: Iterable[int]) -> bool:
        """Whether a commit after ``seen`` may have touched one of ``batch_ids``."""
        slots = self._slots
        return self._anything > seen or any(slots[b % self.SLOTS] > seen for b in batch_ids)


write_log = WriteLog()


def _note(session: Session, batch_ids: Iterable[int] | None) -> None:
    """Remember, until the transaction ends, what this write touched."""
    if batch_ids is None:
        session.info[_ANYTHING] = True
    else:
        session.info.setdefault(_TOUCHED, set()).update(batch_ids)


def _batches_of_object(obj: object) -> Iterable[int] | None:
    """The batches a flushed object's row belongs to: () if none is shown, None if unknown."""
    if isinstance(obj, Batch):
        return (obj.id,)
    if isinstance(obj, Record) and obj.batch_id is not None:
        return (obj.batch_id,)
    table = getattr(obj, "__tablename__", None)
    return () if table in NEUTRAL_TABLES else None


# Listened to on the Session class, not on one sessionmaker: the API, the in-process worker,
# CLI commands and test fixtures each build their own factory, and a write through any of them
# must be seen. Judging by what the transaction did (rather than by which sessionmaker opened
# it) also lets idle worker polls and replayed idempotent POSTs, which open write sessions but
# change nothing, leave the cache alone.
@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context: Any) -> None:
    changed = [obj for obj in session.dirty if session.is_modified(obj)]
    for obj in (*session.new, *changed, *session.deleted):
        _note(session, _batches_of_object(obj))


@event.listens_for(Session, "do_orm_execute")
def _note_dml(orm_execute_state: ORMExecuteState) -> None:
    statement = orm_execute_state.statement
    session = orm_execute_state.session
    if isinstance(statement, TextClause):
        # Raw SQL cannot be told apart without parsing it: anything but a SELECT may write.
        if statement.text.lstrip()[:6].upper() != "SELECT":
            _note(session, None)
    elif isinstance(statement, Insert | Update | Delete):
        table = getattr(statement.table, "name", None)
        touched = orm_execute_state.execution_options.get(_TOUCHED)
        if table in NEUTRAL_TABLES:
            _note(session, ())
        elif table in _BATCH_TABLES and touched is not None:
            _note(session, touched)
        else:
            _note(session, None)


@event.listens_for(Session, "after_commit")
def _log_commit(session: Session) -> None:
    # A savepoint's release is not yet visible to other transactions: wait for the outer commit.
    if session.in_nested_transaction() or session.info.get(CACHE_NEUTRAL):
        return
    if session.info.get(_ANYTHING):
        write_log.note_commit(None)
    elif session.info.get(_TOUCHED):
        write_log.note_commit(session.info[_TOUCHED])


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one: committed (and logged) or rolled back
        session.info.pop(_ANYTHING, None)
        session.info.pop(_TOUCHED, None)
