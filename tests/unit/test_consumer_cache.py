"""The resolver's answer cache on its own: what counts as a write, freshness, bounds."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from service.consumer.cache import CACHE_NEUTRAL, AnswerCache, write_generation

_metadata = MetaData()
_rows = Table("rows", _metadata, Column("id", Integer, primary_key=True), Column("v", Integer))


@pytest.fixture
def open_session() -> Iterator[sessionmaker[Session]]:
    engine = create_engine("sqlite://")
    _metadata.create_all(engine)
    yield sessionmaker(engine)
    engine.dispose()


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TestWriteGeneration:
    def test_a_committed_write_bumps_it(self, open_session: sessionmaker[Session]) -> None:
        before = write_generation.value
        with open_session() as session, session.begin():
            session.execute(insert(_rows).values(v=1))
        assert write_generation.value == before + 1
        with open_session() as session, session.begin():
            session.execute(text("UPDATE rows SET v = 2"))
        assert write_generation.value == before + 2

    def test_reads_rollbacks_and_neutral_sessions_do_not(
        self, open_session: sessionmaker[Session]
    ) -> None:
        before = write_generation.value
        with open_session() as session:
            session.scalars(select(_rows.c.v)).all()
            session.execute(text("SELECT 1"))
            session.commit()
        with open_session() as session:
            session.execute(insert(_rows).values(v=1))
            session.rollback()
            session.commit()  # the rolled back write is not remembered
        with open_session() as session, session.begin():
            session.info[CACHE_NEUTRAL] = True
            session.execute(insert(_rows).values(v=1))
        assert write_generation.value == before

    def test_a_savepoint_counts_when_the_outer_transaction_commits(
        self, open_session: sessionmaker[Session]
    ) -> None:
        before = write_generation.value
        with open_session() as session, session.begin():
            with session.begin_nested():
                session.execute(insert(_rows).values(v=1))
            assert write_generation.value == before  # not visible to others yet
        assert write_generation.value == before + 1


class TestAnswerCache:
    def test_serves_a_success_until_the_ttl_or_a_write(self) -> None:
        clock = FakeClock()
        cache = AnswerCache(ttl_s=1.0, clock=clock)
        headers = {"Content-Language": "en", "Vary": "Accept, Accept-Language"}
        cache.put(
            "k", HTMLResponse("<p>hi</p>", headers=headers), generation=write_generation.value
        )
        hit = cache.get("k")
        assert hit is not None and hit.body == b"<p>hi</p>"
        assert hit.headers["content-type"] == "text/html; charset=utf-8"
        assert hit.headers["content-language"] == "en" and hit.headers["x-cache"] == "hit"
        clock.now += 1.0
        assert cache.get("k") is None
        assert len(cache) == 1  # kept, to be served while its replacement is built

        write_generation.bump()
        assert cache.get("k") is None and len(cache) == 0  # made before the latest write
        cache.put("k", JSONResponse({"a": 1}), generation=write_generation.value - 1)
        assert len(cache) == 0  # not even kept

    def test_keeps_only_successes_and_nothing_when_disabled(self) -> None:
        cache = AnswerCache(ttl_s=1.0)
        cache.put("missing", JSONResponse({}, status_code=404), generation=write_generation.value)
        cache.put("moved", Response(status_code=301), generation=write_generation.value)
        assert len(cache) == 0
        off = AnswerCache(ttl_s=0)
        off.put("k", JSONResponse({"a": 1}), generation=write_generation.value)
        assert off.get("k") is None and len(off) == 0

    def test_evicts_the_least_recently_used_by_count_and_by_size(self) -> None:
        cache = AnswerCache(ttl_s=10, max_entries=2, max_bytes=10)
        generation = write_generation.value
        cache.put("a", Response(b"1234"), generation=generation)
        cache.put("b", Response(b"1234"), generation=generation)
        assert cache.get("a") is not None  # now "b" is the least recently used
        cache.put("c", Response(b"1234"), generation=generation)
        assert cache.get("b") is None and cache.get("a") is not None
        cache.put("d", Response(b"123456789"), generation=generation)  # 4 + 9 > 10 bytes
        assert len(cache) == 1 and cache.get("d") is not None

    def test_the_first_answer_after_a_write_drops_the_dead_ones(self) -> None:
        # None of them can be served again; left to the LRU they would hold up to max_bytes.
        cache = AnswerCache(ttl_s=10)
        for key in ("a", "b", "c"):
            cache.put(key, Response(b"x"), generation=write_generation.value)
        assert len(cache) == 3
        write_generation.bump()
        cache.put("d", Response(b"y"), generation=write_generation.value)
        assert len(cache) == 1 and cache.get("d") is not None


class TestConcurrentMisses:
    def test_requests_for_one_key_wait_for_a_single_build(self) -> None:
        cache = AnswerCache(ttl_s=10)
        builds = 0

        async def build() -> Response:
            nonlocal builds
            builds += 1
            await asyncio.sleep(0.01)
            return JSONResponse({"build": builds})

        async def ten_at_once() -> list[Response]:
            return await asyncio.gather(*(cache.answer("k", build) for _ in range(10)))

        responses = asyncio.run(ten_at_once())
        assert builds == 1
        assert sorted(r.headers["x-cache"] for r in responses) == ["hit"] * 9 + ["miss"]
        assert {bytes(r.body) for r in responses} == {b'{"build":1}'}

    def test_a_build_older_than_the_latest_write_is_not_waited_for(self) -> None:
        cache = AnswerCache(ttl_s=10)
        builds = 0
        release = asyncio.Event()

        async def build() -> Response:
            nonlocal builds
            builds += 1
            mine = builds
            if mine == 1:
                await release.wait()
            return JSONResponse({"build": mine})

        async def scenario() -> tuple[Response, Response, Response]:
            first = asyncio.create_task(cache.answer("k", build))
            await asyncio.sleep(0)  # the first build has read its data
            write_generation.bump()
            # Answered while the first build is still held up: it did not wait for it.
            second = await asyncio.wait_for(cache.answer("k", build), timeout=5)
            release.set()
            return await first, second, await cache.answer("k", build)

        first, second, third = asyncio.run(scenario())
        assert builds == 2
        assert (bytes(first.body), bytes(second.body)) == (b'{"build":1}', b'{"build":2}')
        assert third.headers["x-cache"] == "hit" and bytes(third.body) == b'{"build":2}'


class TestExpiredUnderLoad:
    """One request rebuilds an expired entry; what the others get meanwhile."""

    def scenario(self, *, write_first: bool) -> tuple[list[Response], list[Response], int]:
        clock = FakeClock()
        cache = AnswerCache(ttl_s=1.0, clock=clock)
        builds = 0
        release = asyncio.Event()

        async def build() -> Response:
            nonlocal builds
            builds += 1
            mine = builds
            if mine > 1:
                await release.wait()
            return JSONResponse({"build": mine})

        async def run() -> tuple[list[Response], list[Response]]:
            await cache.answer("k", build)
            clock.now += 1.0
            if write_first:
                write_generation.bump()
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
