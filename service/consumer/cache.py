"""A per-process cache of resolver answers, for the scan spikes a hot lot sees on a sale day.

Building one answer costs about ten queries, a Merkle proof check per record and a template
render; thousands of shoppers scanning the same lot get the same bytes. An entry is served
only while both of these hold:

* no write transaction has committed in this process since it was made (the write
  generation below), so whatever this process writes (API, in-process worker, CLI) shows at
  once;
* it is younger than the TTL, which bounds how stale it can be after writes made by other
  processes (a separate ``lotproof worker``, other API processes or instances). Past it, the
  entry is still served while one request builds its replacement (see ``answer``).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any

from fastapi.responses import Response
from sqlalchemy import TextClause, event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from service.metrics import CONSUMER_CACHE

CACHE_NEUTRAL = "lotproof_cache_neutral"
"""``session.info`` flag: this session's commits never change a cached answer (scan logging)."""

_WROTE = "lotproof_wrote"
# Starlette derives the first two from the body and media type again when an answer is
# replayed; X-Cache says how this very response was made.
_NOT_REPLAYED = frozenset({"content-length", "content-type", "x-cache"})


class _WriteGeneration:
    """Bumped after each committed transaction that wrote, in any session of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = 0

    @property
    def value(self) -> int:
        return self._value

    def bump(self) -> None:
        with self._lock:
            self._value += 1


write_generation = _WriteGeneration()


# Listened to on the Session class, not on one SessionFactory's write sessionmaker: the API,
# the in-process worker, CLI commands and test fixtures each build their own factory, and a
# write through any of them must be seen. Judging by what the transaction did (rather than by
# which sessionmaker opened it) also lets idle worker polls and replayed idempotent POSTs,
# which open write sessions but change nothing, leave the cache alone.
@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _flush_context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_dml(orm_execute_state: ORMExecuteState) -> None:
    # Bulk insert/update/delete statements change rows without a flush. Raw SQL text cannot
    # be told apart without parsing it: anything but a SELECT counts as a write.
    state = orm_execute_state
    statement = state.statement
    if isinstance(statement, TextClause):
        wrote = statement.text.lstrip()[:6].upper() != "SELECT"
    else:
        wrote = state.is_insert or state.is_update or state.is_delete
    if wrote:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _bump_after_commit(session: Session) -> None:
    # A savepoint's release is not yet visible to other transactions: wait for the outer commit.
    if session.in_nested_transaction() or session.info.get(CACHE_NEUTRAL):
        return
    if session.info.get(_WROTE):
        write_generation.bump()


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost one: committed (and counted) or rolled back
        session.info.pop(_WROTE, None)


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes
    media_type: str | None
    headers: dict[str, str]  # Content-Language, Vary, Link: what the route set itself
    generation: int
    made_at: float

    def response(self, outcome: str) -> Response:
        """The answer again, its X-Cache header saying how it was served."""
        headers = self.headers | {"X-Cache": outcome}
        return Response(self.body, headers=headers, media_type=self.media_type)


@dataclass(frozen=True)
class _Build:
    """An answer being built for a key, which other requests for that key may rely on."""

    generation: int
    done: asyncio.Event


class AnswerCache:
    """LRU of successful resolver answers; one build at a time per key.

    Used from the event loop; the lock is for the odd caller in a pool thread.
    """

    def __init__(
        self,
        *,
        ttl_s: float,
        max_entries: int = 2048,
        max_bytes: int = 32 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.max_bytes = max_bytes  # a 20-record page is tens of kB: entries alone do not bound it
        self._clock = clock
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._generation = write_generation.value  # the newest generation an entry may have
        self._builds: dict[Hashable, _Build] = {}

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    async def answer(self, key: Hashable, build: Callable[[], Awaitable[Response]]) -> Response:
        """The cached answer for ``key``, else the one ``build`` makes (and keeps).

        Under load, every request for an entry that has just gone would miss at once and
        build the same answer side by side (32 builds of ~16 ms of CPU each under the GIL:
        half a second of stall). So one request builds; while it does, the others get the
        previous answer if only its TTL ran out (stale by at most one build), or wait for the
        new one after a write of this process (which must show at once).
        """
        if not self.enabled:
            return await self._built(build)
        cached, fresh = self._lookup(key)
        building = self._builds.get(key)
        if building is not None and building.generation != write_generation.value:
            building = None  # started before the latest write: its answer may not show it
        if cached is not None and (fresh or building is not None):
            return self._served(cached, "hit" if fresh else "stale")
        if building is not None:
            await building.done.wait()
            cached, fresh = self._lookup(key)
            if cached is not None and fresh:
                return self._served(cached, "hit")
        return await self._build(key, build)

    async def _build(self, key: Hashable, build: Callable[[], Awaitable[Response]]) -> Response:
        # Read before the answer's data is: a write committed meanwhile makes the answer stale.
        generation = write_generation.value
        mine = _Build(generation, asyncio.Event())
        self._builds[key] = mine
        try:
            response = await self._built(build)
            self.put(key, response, generation=generation)
            return response
        finally:
            # Waiters then find the entry, or (an error, a newer write) build it themselves.
            mine.done.set()
            if self._builds.get(key) is mine:
                del self._builds[key]

    @staticmethod
    async def _built(build: Callable[[], Awaitable[Response]]) -> Response:
        CONSUMER_CACHE.labels("miss").inc()
        response = await build()
        response.headers["X-Cache"] = "miss"
        return response

    @staticmethod
    def _served(cached: CachedAnswer, outcome: str) -> Response:
        CONSUMER_CACHE.labels(outcome).inc()
        return cached.response(outcome)

    def get(self, key: Hashable) -> Response | None:
        """The cached answer for ``key`` if fresh."""
        cached, fresh = self._lookup(key) if self.enabled else (None, False)
        return cached.response("hit") if cached is not None and fresh else None

    def _lookup(self, key: Hashable) -> tuple[CachedAnswer | None, bool]:
        """The entry for ``key`` made since the latest write, and whether it is within its TTL.

        One past its TTL is kept: it is served while its replacement is built.
        """
        with self._lock:
            cached = self._answers.get(key)
            if cached is None:
                return None, False
            if cached.generation != write_generation.value:
                self._drop(key)
                return None, False
            self._answers.move_to_end(key)
            return cached, self._clock() - cached.made_at < self.ttl_s

    def put(self, key: Hashable, response: Response, *, generation: int) -> None:
        """Keep ``response`` if it is a success; ``generation`` is the write generation read
        before the answer's data was, so that a write committed meanwhile makes it stale."""
        with self._lock:
            # Stale already (a write committed during the build): it must not replace a newer one.
            if not self.enabled or generation != write_generation.value:
                return
            if generation != self._generation:
                # A write has committed since the entries were made: none can be served again.
                # Left to the LRU, under steady writes the cache would fill with such dead
                # answers (the soak: pages of lots scanned once, up to max_bytes of them).
                self._answers.clear()
                self._bytes = 0
                self._generation = generation
            if key in self._answers:
                self._drop(key)  # also when the new answer is an error: the old one is wrong
            if response.status_code != 200:
                return
            cached = CachedAnswer(
                body=bytes(response.body),
                media_type=response.media_type,
                headers={
                    name: value
                    for name, value in response.headers.items()
                    if name not in _NOT_REPLAYED
                },
                generation=generation,
                made_at=self._clock(),
            )
            self._answers[key] = cached
            self._bytes += len(cached.body)
            while self._answers and (
                len(self._answers) > self.max_entries or self._bytes > self.max_bytes
            ):
                self._drop(next(iter(self._answers)))

    def __len__(self) -> int:
        return len(self._answers)

    def _drop(self, key: Hashable) -> None:
        """Remove ``key``; the caller holds the lock."""
        self._bytes -= len(self._answers.pop(key).body)
