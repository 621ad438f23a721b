"""Group commit: concurrent small writes share one transaction and one commit.

A single-event POST does little real work around a transaction that costs far more: a
session, BEGIN (on SQLite: the database's one write lock), lookups, COMMIT, trips through
the thread pool. Under concurrent load the requests that arrive while one group is being
written are queued instead, and one writer thread hands them all to ``write_group`` in the
next transaction, which can then share its lookups and INSERTs between them. Each caller is
answered only after the COMMIT: acknowledged still means committed.

``write_group`` returns one outcome per job: its result, or the exception that job alone
failed with (a 403, a 409: it must then have written nothing). An exception *raised* by
``write_group`` or by the COMMIT fails the transaction; every job of that group is then run
again in a transaction of its own, so that one bad job cannot fail the others.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from service.db.engine import SessionFactory
from service.metrics import GROUP_COMMIT_SIZE

J = TypeVar("J")
R = TypeVar("R")
log = logging.getLogger(__name__)

# Enough to take a burst from every HTTP connection at once; a bigger group holds the write
# lock longer and delays its first caller's answer.
MAX_GROUP = 64

WriteGroup = Callable[[Session, Sequence[J]], Sequence[R | Exception]]


@dataclass
class _Waiting(Generic[J, R]):
    job: J
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[R]


_STOP = object()


class GroupCommitter(Generic[J, R]):
    """Jobs from the event loop, written a group at a time by one thread."""

    def __init__(
        self,
        sessions: SessionFactory,
        write_group: WriteGroup[J, R],
        *,
        max_group: int = MAX_GROUP,
        name: str = "group-commit",
    ) -> None:
        self.sessions = sessions
        self.write_group = write_group
        self.max_group = max_group
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._sizes = GROUP_COMMIT_SIZE.labels(queue=name)
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        self._thread.start()

    async def submit(self, job: J) -> R:
        """``job``'s result once the transaction that wrote it is committed; or its error."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._queue.put(_Waiting(job, loop, future))
        return await future

    def close(self, timeout: float = 30) -> None:
        """Write what is queued, then stop the writer thread."""
        self._queue.put(_STOP)
        self._thread.join(timeout)

    def _serve(self) -> None:
        stopping = False
        while not stopping:
            group: list[_Waiting[J, R]] = []
            item = self._queue.get()
            while item is not _STOP:
                group.append(item)
                if len(group) >= self.max_group or self._queue.empty():
                    break
                item = self._queue.get()
            stopping = item is _STOP
            if group:
                self._sizes.observe(len(group))
                self._write(group)

    def _write(self, group: list[_Waiting[J, R]]) -> None:
        try:
            outcomes = self._commit([waiting.job for waiting in group])
        except Exception as e:
            if len(group) > 1:
                log.warning("a group of %d writes failed (%r); writing each alone", len(group), e)
                for waiting in group:
                    self._write([waiting])
                return
            outcomes = [e]
        for waiting, outcome in zip(group, outcomes, strict=True):
            waiting.loop.call_soon_threadsafe(_settle, waiting.future, outcome)

    def _commit(self, jobs: list[J]) -> Sequence[R | Exception]:
        with self.sessions.write() as session:
            outcomes = self.write_group(session, jobs)
            if len(outcomes) != len(jobs):
                raise RuntimeError(f"{len(outcomes)} outcomes for {len(jobs)} jobs")
            session.commit()
        return outcomes


def _settle(future: asyncio.Future[Any], outcome: object) -> None:
    if future.cancelled():  # the client went away; what was written stays written
        return
    if isinstance(outcome, Exception):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)
