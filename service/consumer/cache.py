"""A per-process cache of resolver answers, for the scan spikes a hot lot sees on a sale day.

Building one answer costs about ten queries, a Merkle proof check per record and a template
render; thousands of shoppers scanning the same lot get the same bytes. An entry is served
only while both of these hold:

* no write transaction that may have touched its batch has committed in this process since
  it was made (``service.db.writes``), so whatever this process writes (API, in-process
  worker, CLI) shows at once, while writes to other lots leave it be;
* it is younger than the TTL, which bounds how stale it can be after writes made by other
  processes (a separate ``lotproof worker``, other API processes or instances). Past it, the
  entry is still served while one request builds its replacement (see ``answer``), for at
  most a grace period (as Varnish's grace); after that it is gone.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from fastapi.responses import Response

from service.db.writes import write_log
from service.metrics import CONSUMER_CACHE, CONSUMER_CACHE_BYTES
from service.state import Part

# Starlette derives the first two from the body and media type again when an answer is
# replayed; X-Cache says how this very response was made.
_NOT_REPLAYED = frozenset({"content-length", "content-type", "x-cache"})


@dataclass(frozen=True)
class CachedAnswer:
    body: bytes
    media_type: str | None
    headers: dict[str, str]  # Content-Language, Vary, Link: what the route set itself
    seen: int  # the write log's latest commit before the answer's data was read
    batches: frozenset[int]  # the batches it shows
    made_at: float

    def outdated(self) -> bool:
        return write_log.touched_since(self.seen, self.batches)

    def response(self, outcome: str) -> Response:
        """The answer again, its X-Cache header saying how it was served."""
        headers = self.headers | {"X-Cache": outcome}
        return Response(self.body, headers=headers, media_type=self.media_type)


@dataclass(frozen=True)
class Built:
    """A freshly built answer and the batches it shows (whose writes make it outdated)."""

    response: Response
    batches: frozenset[int] = frozenset()


@dataclass(frozen=True)
class _Build:
    """An answer being built for a key, which other requests for that key may rely on."""

    seen: int
    done: asyncio.Event


class AnswerCache:
    """LRU of successful resolver answers; one build at a time per key.

    Used from the event loop; the lock is for the odd caller in a pool thread.
    """

    def __init__(
        self,
        *,
        ttl_s: float,
        grace_s: float = 10.0,
        max_entries: int = 2048,
        max_bytes: int = 32 * 1024 * 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_s = ttl_s
        # Without it, the last answer of every lot nobody scans any more (a supplier's lots
        # written one after another) would stay until the LRU pushed it out, up to max_bytes.
        self.grace_s = grace_s
        self.max_entries = max_entries
        self.max_bytes = max_bytes  # a 20-record page is tens of kB: entries alone do not bound it
        self._clock = clock
        self._lock = threading.Lock()
        self._answers: OrderedDict[Hashable, CachedAnswer] = OrderedDict()
        self._bytes = 0
        self._swept = write_log.latest  # entries outdated by commits up to it are gone
        self._swept_at = clock()
        self._builds: dict[Hashable, _Build] = {}

    @property
    def enabled(self) -> bool:
        return self.ttl_s > 0

    async def answer(self, key: Hashable, build: Callable[[], Awaitable[Built]]) -> Response:
        """The cached answer for ``key``, else the one ``build`` makes (and keeps).

        Under load, every request for an entry that has just gone would miss at once and
        build the same answer side by side, each paying the full CPU cost under the GIL, so
        all of them would stall together. So one request builds; while it does, the others get
        the previous answer if only its TTL ran out (stale by at most one build), or wait for
        the new one after a write of this process (which must show at once).
        """
        if not self.enabled:
            return (await self._built(build)).response
        cached, fresh = self._lookup(key)
        building = self._builds.get(key)
        if building is not None and write_log.anything_since(building.seen):
            building = None  # started before the latest write: its answer may not show it
        if cached is not None and (fresh or building is not None):
            return self._served(cached, "hit" if fresh else "stale")
        if building is not None:
            # It may still turn out outdated by a write to its own lot: then we build below.
            await building.done.wait()
            cached, fresh = self._lookup(key)
            if cached is not None and fresh:
                return self._served(cached, "hit")
        return await self._build(key, build)

    async def _build(self, key: Hashable, build: Callable[[], Awaitable[Built]]) -> Response:
        # Read before the answer's data is: a write committed meanwhile makes the answer stale.
        seen = write_log.latest
        mine = _Build(seen, asyncio.Event())
        self._builds[key] = mine
        try:
            built = await self._built(build)
            self.put(key, built, seen=seen)
            return built.response
        finally:
            # Waiters then find the entry, or (an error, a newer write) build it themselves.
            mine.done.set()
            if self._builds.get(key) is mine:
                del self._builds[key]

    @staticmethod
    async def _built(build: Callable[[], Awaitable[Built]]) -> Built:
        CONSUMER_CACHE.labels("miss").inc()
        built = await build()
        built.response.headers["X-Cache"] = "miss"
        return built

    @staticmethod
    def _served(cached: CachedAnswer, outcome: str) -> Response:
        CONSUMER_CACHE.labels(outcome).inc()
        return cached.response(outcome)

    def _lookup(self, key: Hashable) -> tuple[CachedAnswer | None, bool]:
        """The entry for ``key`` if no write since it was made touched its lot, and whether it
        is within its TTL.

        One past its TTL is kept for the grace period: it is served while its replacement is
        built.
        """
        with self._lock:
            cached = self._answers.get(key)
            if cached is None:
                return None, False
            age = self._clock() - cached.made_at
            if cached.outdated() or age >= self.ttl_s + self.grace_s:
                self._drop(key)
                return None, False
            self._answers.move_to_end(key)
            return cached, age < self.ttl_s

    def put(self, key: Hashable, built: Built, *, seen: int) -> None:
        """Keep ``built`` if it is a success; ``seen`` is the write log's latest commit read
        before the answer's data was, so that a write committed meanwhile outdates it."""
        response = built.response
        with self._lock:
            if not self.enabled:
                return
            self._sweep()
            # Outdated already (a write during the build): it must not replace a newer one.
            if write_log.touched_since(seen, built.batches):
                return
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
                seen=seen,
                batches=built.batches,
                made_at=self._clock(),
            )
            self._answers[key] = cached
            self._bytes += len(cached.body)
            CONSUMER_CACHE_BYTES.inc(len(cached.body))
            while self._answers and (
                len(self._answers) > self.max_entries or self._bytes > self.max_bytes
            ):
                self._drop(next(iter(self._answers)))

    def _sweep(self) -> None:
        """Drop the entries writes have outdated or past their grace; the caller holds the lock.

        None of them can be served again, and left to the LRU, under steady writes the cache
        would fill with them (pages of lots being written, up to max_bytes of them). At most
        once a second unless a write may have touched anything, which empties it at once.
        """
        latest, now = write_log.latest, self._clock()
        if write_log.anything_since(self._swept):
            self._answers.clear()
            CONSUMER_CACHE_BYTES.dec(self._bytes)
            self._bytes = 0
        elif now - self._swept_at >= 1.0:
            oldest = now - self.ttl_s - self.grace_s
            gone = [k for k, c in self._answers.items() if c.made_at <= oldest or c.outdated()]
            for key in gone:
                self._drop(key)
        else:
            return
        self._swept, self._swept_at = latest, now

    def __len__(self) -> int:
        return len(self._answers)

    def _drop(self, key: Hashable) -> None:
        """Remove ``key``; the caller holds the lock."""
        size = len(self._answers.pop(key).body)
        self._bytes -= size
        CONSUMER_CACHE_BYTES.dec(size)


# The resolver's answers to hot links, one cache per process.
ANSWERS: Part[AnswerCache] = Part("resolver answers")
