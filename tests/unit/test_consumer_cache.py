"""The resolver's answer cache on its own: freshness against the write log, bounds, builds.

What counts as a write, and which lots it touched: ``test_write_log.py``.
"""

from __future__ import annotations

import asyncio

from fastapi.responses import HTMLResponse, JSONResponse, Response

from service.consumer.cache import AnswerCache, Built
from service.db.writes import write_log

LOT = frozenset({7})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def built(response: Response, batches: frozenset[int] = LOT) -> Built:
    return Built(response, batches)


class FirstBuildHeld:
    """Numbered builds of one answer; the first waits for ``release`` (slow to read its data)."""

    def __init__(self) -> None:
        self.count = 0
        self.release = asyncio.Event()

    async def __call__(self) -> Built:
        self.count += 1
        mine = self.count
        if mine == 1:
            await self.release.wait()
        return built(JSONResponse({"build": mine}))


def peek(cache: AnswerCache, key: str) -> Response | None:
    """What ``answer`` serves for ``key`` without building: the fresh entry, or None."""

    async def refuse() -> Built:
        raise LookupError(key)

    try:
        return asyncio.run(cache.answer(key, refuse))
    except LookupError:
        return None


class TestAnswerCache:
    def test_serves_a_success_until_the_ttl_or_a_write_to_its_lot(self) -> None:
        clock = FakeClock()
        cache = AnswerCache(ttl_s=1.0, clock=clock)
        headers = {"Content-Language": "en", "Vary": "Accept, Accept-Language"}
        cache.put("k", built(HTMLResponse("<p>hi</p>", headers=headers)), seen=write_log.latest)
        hit = peek(cache, "k")
        assert hit is not None and hit.body == b"<p>hi</p>"
        assert hit.headers["content-type"] == "text/html; charset=utf-8"
        assert hit.headers["content-language"] == "en" and hit.headers["x-cache"] == "hit"
        clock.now += 1.0
        assert peek(cache, "k") is None
        assert len(cache) == 1  # kept, to be served while its replacement is built

        write_log.note_commit([8])  # another lot
        assert len(cache) == 1
        write_log.note_commit([7])
        assert peek(cache, "k") is None and len(cache) == 0  # made before a write to its lot
        cache.put("k", built(JSONResponse({"a": 1})), seen=write_log.latest - 1)
        assert len(cache) == 0  # not even kept

    def test_an_answer_past_its_grace_is_gone(self) -> None:
        # The last page of a lot nobody scans any more must not wait for the LRU to go.
        clock = FakeClock()
        cache = AnswerCache(ttl_s=1.0, grace_s=5.0, clock=clock)
        cache.put("idle", built(Response(b"x")), seen=write_log.latest)
        clock.now += 5.9
        assert len(cache) == 1 and peek(cache, "idle") is None  # stale, still kept
        clock.now += 0.1
        peek(cache, "idle")
        assert len(cache) == 0  # looked up past its grace: dropped
        cache.put("idle", built(Response(b"x")), seen=write_log.latest)
        clock.now += 6.0
        cache.put("busy", built(Response(b"y")), seen=write_log.latest)  # sweeps
        assert len(cache) == 1 and peek(cache, "busy") is not None

    def test_a_stale_answer_is_served_during_a_rebuild_only_within_its_grace(self) -> None:
        async def scenario(past_ttl_s: float) -> tuple[bytes, bytes]:
            clock = FakeClock()
            cache = AnswerCache(ttl_s=1.0, grace_s=5.0, clock=clock)
            cache.put("k", built(JSONResponse({"build": 0})), seen=write_log.latest)
            clock.now += past_ttl_s
            build = FirstBuildHeld()
            rebuilding = asyncio.ensure_future(cache.answer("k", build))
            await asyncio.sleep(0)  # the rebuild has started and waits
            meanwhile = asyncio.ensure_future(cache.answer("k", build))
            await asyncio.sleep(0)
            build.release.set()
            first, second = await rebuilding, await meanwhile
            return bytes(first.body), bytes(second.body)

        # Within grace: the second request gets the old answer at once.
        assert asyncio.run(scenario(2.0)) == (b'{"build":1}', b'{"build":0}')
        # Past it, there is nothing to serve: it waits for the rebuild.
        assert asyncio.run(scenario(6.0)) == (b'{"build":1}', b'{"build":1}')

    def test_writes_to_other_lots_leave_an_answer_be(self) -> None:
        cache = AnswerCache(ttl_s=10)
        cache.put("k", built(Response(b"x")), seen=write_log.latest)
        write_log.note_commit([8, 9])
        write_log.note_commit([])  # a commit that touched no lot at all
        hit = peek(cache, "k")
        assert hit is not None and hit.body == b"x"
        write_log.note_commit(None)  # may have touched anything
        assert peek(cache, "k") is None

    def test_an_answer_built_during_a_write_to_another_lot_is_kept(self) -> None:
        cache = AnswerCache(ttl_s=10)
        seen = write_log.latest
        write_log.note_commit([8])
        cache.put("k", built(Response(b"x")), seen=seen)
        assert peek(cache, "k") is not None
        seen = write_log.latest
        write_log.note_commit([7])
        cache.put("k", built(Response(b"y")), seen=seen)
        assert peek(cache, "k") is None and len(cache) == 0

    def test_lots_sharing_a_slot_outdate_each_other(self) -> None:
        # The log is bounded: it may outdate too much, never too little.
        cache = AnswerCache(ttl_s=10)
        cache.put("k", built(Response(b"x")), seen=write_log.latest)
        write_log.note_commit([7 + write_log.SLOTS])
        assert peek(cache, "k") is None

    def test_keeps_only_successes_and_nothing_when_disabled(self) -> None:
        cache = AnswerCache(ttl_s=1.0)
        cache.put("missing", built(JSONResponse({}, status_code=404)), seen=write_log.latest)
        cache.put("moved", built(Response(status_code=301)), seen=write_log.latest)
        assert len(cache) == 0
        off = AnswerCache(ttl_s=0)
        off.put("k", built(JSONResponse({"a": 1})), seen=write_log.latest)
        assert peek(off, "k") is None and len(off) == 0

    def test_evicts_the_least_recently_used_by_count_and_by_size(self) -> None:
        cache = AnswerCache(ttl_s=10, max_entries=2, max_bytes=10)
        seen = write_log.latest
        cache.put("a", built(Response(b"1234")), seen=seen)
        cache.put("b", built(Response(b"1234")), seen=seen)
        assert peek(cache, "a") is not None  # now "b" is the least recently used
        cache.put("c", built(Response(b"1234")), seen=seen)
        assert peek(cache, "b") is None and peek(cache, "a") is not None
        cache.put("d", built(Response(b"123456789")), seen=seen)  # 4 + 9 > 10 bytes
        assert len(cache) == 1 and peek(cache, "d") is not None

    def test_a_write_that_may_touch_anything_drops_every_answer_at_the_next_put(self) -> None:
        # None of them can be served again; left to the LRU they would hold up to max_bytes.
        cache = AnswerCache(ttl_s=10)
        for key in ("a", "b", "c"):
            cache.put(key, built(Response(b"x")), seen=write_log.latest)
        assert len(cache) == 3
        write_log.note_commit(None)
        cache.put("d", built(Response(b"y")), seen=write_log.latest)
        assert len(cache) == 1 and peek(cache, "d") is not None

    def test_answers_outdated_by_writes_to_their_lots_are_swept_once_a_second(self) -> None:
        clock = FakeClock()
        cache = AnswerCache(ttl_s=10, clock=clock)
        for key, lot in (("a", 1), ("b", 2), ("c", 3)):
            cache.put(key, built(Response(b"x"), frozenset({lot})), seen=write_log.latest)
        write_log.note_commit([1, 2])
        cache.put("d", built(Response(b"y")), seen=write_log.latest)
        assert len(cache) == 4  # not yet: a sweep walks every entry
        clock.now += 1.0
        cache.put("e", built(Response(b"z")), seen=write_log.latest)
        assert len(cache) == 3 and peek(cache, "c") is not None


class TestConcurrentMisses:
    def test_requests_for_one_key_wait_for_a_single_build(self) -> None:
        cache = AnswerCache(ttl_s=10)
        builds = 0

        async def build() -> Built:
            nonlocal builds
            builds += 1
            await asyncio.sleep(0.01)
            return built(JSONResponse({"build": builds}))

        async def ten_at_once() -> list[Response]:
            return await asyncio.gather(*(cache.answer("k", build) for _ in range(10)))

        responses = asyncio.run(ten_at_once())
        assert builds == 1
        assert sorted(r.headers["x-cache"] for r in responses) == ["hit"] * 9 + ["miss"]
        assert {bytes(r.body) for r in responses} == {b'{"build":1}'}

    def test_a_build_older_than_the_latest_write_is_not_waited_for(self) -> None:
        cache = AnswerCache(ttl_s=10)
        build = FirstBuildHeld()

        async def scenario() -> tuple[Response, Response, Response]:
            first = asyncio.create_task(cache.answer("k", build))
            await asyncio.sleep(0)  # the first build has read its data
            write_log.note_commit(None)
            # Answered while the first build is still held up: it did not wait for it.
            second = await asyncio.wait_for(cache.answer("k", build), timeout=5)
            build.release.set()
            return await first, second, await cache.answer("k", build)

        first, second, third = asyncio.run(scenario())
        assert build.count == 2
        assert (bytes(first.body), bytes(second.body)) == (b'{"build":1}', b'{"build":2}')
        assert third.headers["x-cache"] == "hit" and bytes(third.body) == b'{"build":2}'

    def test_a_build_outdated_by_a_write_to_its_lot_is_not_kept(self) -> None:
        cache = AnswerCache(ttl_s=10)
        build = FirstBuildHeld()

        async def scenario() -> tuple[Response, Response, Response]:
            first = asyncio.create_task(cache.answer("k", build))
            await asyncio.sleep(0)  # the first build has read its data
            write_log.note_commit([7])
            waiting = asyncio.create_task(cache.answer("k", build))
            await asyncio.sleep(0)
            build.release.set()
            return await first, await waiting, await cache.answer("k", build)

        first, waited, third = asyncio.run(scenario())
        assert build.count == 2  # the waiter found the first answer outdated and built its own
        assert bytes(first.body) == b'{"build":1}' and bytes(waited.body) == b'{"build":2}'
        assert third.headers["x-cache"] == "hit" and bytes(third.body) == b'{"build":2}'


class TestExpiredUnderLoad:
    """One request rebuilds an expired entry; what the others get meanwhile."""

    def scenario(self, *, write_first: bool) -> tuple[list[Response], list[Response], int]:
        clock = FakeClock()
        cache = AnswerCache(ttl_s=1.0, clock=clock)
        builds = 0
        release = asyncio.Event()

        async def build() -> Built:
            nonlocal builds
            builds += 1
            mine = builds
            if mine > 1:
                await release.wait()
            return built(JSONResponse({"build": mine}))

        async def run() -> tuple[list[Response], list[Response]]:
            await cache.answer("k", build)
            clock.now += 1.0
            if write_first:
                write_log.note_commit(None)
            rebuild = asyncio.create_task(cache.answer("k", build))
            await asyncio.sleep(0)  # the rebuild has started
            others = [asyncio.create_task(cache.answer("k", build)) for _ in range(5)]
            await asyncio.sleep(0.01)
            answered_early = [t.result() for t in others if t.done()]
            release.set()
            await asyncio.gather(rebuild, *others)
            return answered_early, [rebuild.result()] + [t.result() for t in others]

        early, every = asyncio.run(run())
        return early, every, builds

    def test_past_its_ttl_the_previous_answer_is_served_during_the_rebuild(self) -> None:
        early, every, builds = self.scenario(write_first=False)
        assert builds == 2
        assert [r.headers["x-cache"] for r in early] == ["stale"] * 5
        assert {bytes(r.body) for r in early} == {b'{"build":1}'}
        assert every[0].headers["x-cache"] == "miss" and every[0].body == b'{"build":2}'

    def test_after_a_write_everyone_waits_for_the_new_answer(self) -> None:
        early, every, builds = self.scenario(write_first=True)
        assert builds == 2 and early == []
        assert [r.headers["x-cache"] for r in every] == ["miss"] + ["hit"] * 5
        assert {bytes(r.body) for r in every} == {b'{"build":2}'}
