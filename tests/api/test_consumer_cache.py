"""Hot links are answered from a per-process cache, and never show a stale fact for long."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from service.anchoring.deployment import CHAIN_HEALTH
from service.app import create_app
from service.config import Settings
from service.consumer.cache import ANSWERS, AnswerCache
from service.db.engine import SessionFactory
from service.db.models import Scan, Unit
from service.db.writes import CACHE_NEUTRAL
from service.state import AppState
from tests.builders import auth, event_body, failing_sampling, make_batch, make_org, post_event

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}


def app_state(client: TestClient) -> AppState:
    return AppState.of(client.app)  # type: ignore[arg-type]


def settled(client: TestClient) -> TestClient:
    """The client once the chain watcher has first reported: the page shows chain health,
    so its change from "unknown" would otherwise turn a hit into a miss."""
    health = app_state(client).part(CHAIN_HEALTH)
    deadline = time.monotonic() + 15
    while health.state == "unknown" and time.monotonic() < deadline:
        time.sleep(0.05)
    return client


@pytest.fixture
def cached_client(settings: Settings) -> Iterator[TestClient]:
    """A TTL far longer than any test, so that only writes can make an answer stale."""
    tuned = settings.model_copy(update={"consumer_cache_ttl_s": 3600.0})
    with TestClient(create_app(tuned)) as client:
        yield settled(client)


@pytest.fixture
def uncached_client(settings: Settings) -> Iterator[TestClient]:
    tuned = settings.model_copy(update={"consumer_cache_ttl_s": 0.0})
    with TestClient(create_app(tuned)) as client:
        yield settled(client)


@pytest.fixture
def supplier(sessions: SessionFactory) -> str:
    _, key = make_org(sessions)
    return key


def batch_path(batch: dict[str, Any]) -> str:
    return f"/01/{batch['gtin']}/10/{batch['lot']}"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class TestHits:
    def test_the_second_scan_is_a_hit_with_the_same_answer(
        self, cached_client: TestClient, supplier: str
    ) -> None:
        batch = make_batch(cached_client, supplier)
        post_event(cached_client, supplier, batch["id"], event_body("production"))
        for headers in (JSON, HTML):
            first = cached_client.get(batch_path(batch), headers=headers)
            second = cached_client.get(batch_path(batch), headers=headers)
            assert first.status_code == second.status_code == 200
            assert (first.headers["x-cache"], second.headers["x-cache"]) == ("miss", "hit")
            assert second.content == first.content
            for name in ("content-type", "content-language", "vary", "link"):
                assert second.headers.get(name) == first.headers.get(name)
        page = cached_client.get(batch_path(batch), headers=HTML)
        assert page.headers["x-cache"] == "hit"
        assert "default-src 'none'" in page.headers["content-security-policy"]

    def test_each_kind_of_answer_has_its_own_entry(
        self, cached_client: TestClient, supplier: str
    ) -> None:
        batch = make_batch(cached_client, supplier)
        path = batch_path(batch)
        asks: list[tuple[str, dict[str, str]]] = [
            (path, JSON),
            (path, HTML | {"Accept-Language": "en"}),
            (path, HTML | {"Accept-Language": "zh-CN"}),
            (path, {"Accept": "application/linkset+json"}),
            (path + "?linkType=gs1:recallStatus", {}),
            (path + "?linkType=gs1:certificationInfo", {}),
        ]
        answers = [cached_client.get(url, headers=headers) for url, headers in asks]
        assert [a.headers["x-cache"] for a in answers] == ["miss"] * len(asks)
        assert answers[1].headers["content-language"] == "en"
        assert answers[2].headers["content-language"] == "zh-CN"
        assert answers[3].headers["content-type"].startswith("application/linkset+json")
        assert answers[4].json()["recalled"] is False
        assert "certificates" in answers[5].json()
        again = [cached_client.get(url, headers=headers) for url, headers in asks]
        assert [a.headers["x-cache"] for a in again] == ["hit"] * len(asks)
        assert [a.content for a in again] == [a.content for a in answers]
        # ?lang= overrides Accept-Language: the page is the one in the language it names.
        for lang, page in (("en", answers[1]), ("zh-CN", answers[2])):
            other = "zh-CN" if lang == "en" else "en"
            chosen = cached_client.get(
                f"{path}?lang={lang}", headers=HTML | {"Accept-Language": other}
            )
            assert chosen.headers["x-cache"] == "hit" and chosen.content == page.content


class TestFreshness:
    def test_a_write_through_the_api_shows_at_once(
        self, cached_client: TestClient, supplier: str
    ) -> None:
        batch = make_batch(cached_client, supplier)
        assert cached_client.get(batch_path(batch), headers=JSON).json()["records"] == []
        assert cached_client.get(batch_path(batch), headers=JSON).headers["x-cache"] == "hit"
        post_event(cached_client, supplier, batch["id"], event_body("production"))
        after = cached_client.get(batch_path(batch), headers=JSON)
        assert after.headers["x-cache"] == "miss"
        assert [r["type"] for r in after.json()["records"]] == ["production"]

    def test_writes_to_another_lot_leave_this_lot_cached(
        self, cached_client: TestClient, supplier: str
    ) -> None:
        """A supplier writing into one lot all day must not turn a hot lot's scans into
        misses; the hot lot's own writes still show at once."""
        hot, busy = make_batch(cached_client, supplier), make_batch(cached_client, supplier)
        post_event(cached_client, supplier, hot["id"], event_body("production"))
        assert cached_client.get(batch_path(hot), headers=JSON).headers["x-cache"] == "miss"
        post_event(cached_client, supplier, busy["id"], event_body("production"))
        bulk = cached_client.post(
            f"/api/v1/batches/{busy['id']}/events:bulk",
            json={"events": [event_body("packing", hours=1), event_body("packing", hours=2)]},
            headers=auth(supplier),
        )
        assert bulk.status_code == 201, bulk.text
        kept = cached_client.get(batch_path(hot), headers=JSON)
        assert kept.headers["x-cache"] == "hit" and len(kept.json()["records"]) == 1
        busy_scan = cached_client.get(batch_path(busy), headers=JSON)
        assert busy_scan.headers["x-cache"] == "miss" and len(busy_scan.json()["records"]) == 3

        post_event(cached_client, supplier, hot["id"], event_body("packing", hours=1))
        after = cached_client.get(batch_path(hot), headers=JSON)
        assert after.headers["x-cache"] == "miss"
        assert [r["type"] for r in after.json()["records"]] == ["production", "packing"]
        assert cached_client.get(batch_path(busy), headers=JSON).headers["x-cache"] == "hit"

    def test_a_hold_from_an_inspection_shows_at_once(
        self, cached_client: TestClient, supplier: str
    ) -> None:
        # The hold is set on the batch row through the ORM, beside the record's own INSERT.
        batch = make_batch(cached_client, supplier)
        link = batch_path(batch) + "?linkType=gs1:recallStatus"
        assert cached_client.get(link).json()["on_hold"] is False
        rejected = event_body("inspection") | {"sampling": failing_sampling()}
        post_event(cached_client, supplier, batch["id"], rejected)
        after = cached_client.get(link)
        assert after.headers["x-cache"] == "miss" and after.json()["on_hold"] is True

    def test_a_write_from_another_session_factory_shows_at_once(
        self, cached_client: TestClient, supplier: str, sessions: SessionFactory
    ) -> None:
        """Such as the CLI or a worker running in this process, with their own engine."""
        batch = make_batch(cached_client, supplier)
        link = batch_path(batch) + "?linkType=gs1:recallStatus"
        assert cached_client.get(link).json()["recalled"] is False
        with sessions.write() as session, session.begin():
            session.execute(
                text("UPDATE batches SET recalled_at = CURRENT_TIMESTAMP WHERE id = :id"),
                {"id": batch["id"]},
            )
        after = cached_client.get(link)
        assert after.headers["x-cache"] == "miss" and after.json()["recalled"] is True

    def test_writes_unseen_by_this_process_show_after_the_ttl(
        self, cached_client: TestClient, supplier: str, sessions: SessionFactory
    ) -> None:
        clock = FakeClock()
        app_state(cached_client).provide(ANSWERS, AnswerCache(ttl_s=1.0, clock=clock))
        batch = make_batch(cached_client, supplier)
        link = batch_path(batch) + "?linkType=gs1:recallStatus"
        assert cached_client.get(link).json()["on_hold"] is False
        # Written as another process would be: this process hears nothing of it.
        with sessions.write() as session, session.begin():
            session.info[CACHE_NEUTRAL] = True
            session.execute(
                text("UPDATE batches SET on_hold_since = CURRENT_TIMESTAMP WHERE id = :id"),
                {"id": batch["id"]},
            )
        clock.now += 0.9
        stale = cached_client.get(link)
        assert stale.headers["x-cache"] == "hit" and stale.json()["on_hold"] is False
        clock.now += 0.1
        fresh = cached_client.get(link)
        assert fresh.headers["x-cache"] == "miss" and fresh.json()["on_hold"] is True

    def test_a_ttl_of_zero_turns_the_cache_off(
        self, uncached_client: TestClient, supplier: str
    ) -> None:
        batch = make_batch(uncached_client, supplier)
        answers = [uncached_client.get(batch_path(batch), headers=JSON) for _ in range(3)]
        assert [a.headers["x-cache"] for a in answers] == ["miss"] * 3
        assert len(app_state(uncached_client).part(ANSWERS)) == 0


class TestWhatIsNotCached:
    def test_unit_scans_are_logged_every_time_and_keep_the_lot_cached(
        self, cached_client: TestClient, supplier: str, sessions: SessionFactory
    ) -> None:
        batch = make_batch(cached_client, supplier)
        response = cached_client.post(
            f"/api/v1/batches/{batch['id']}/serials", json={"count": 1}, headers=auth(supplier)
        )
        assert response.status_code == 201, response.text
        (unit,) = response.json()
        unit_path = unit["url"].removeprefix("http://lotproof.test")
        assert cached_client.get(batch_path(batch), headers=JSON).headers["x-cache"] == "miss"
        # A unit's answer counts its scans, this one's included: each is answered afresh.
        scans = [cached_client.get(unit_path, headers=JSON) for _ in range(3)]
        assert [s.headers["x-cache"] for s in scans] == ["miss"] * 3
        assert [s.json()["unit"]["scans"] for s in scans] == [1, 2, 3]
        with sessions.read() as session:
            query = select(func.count()).select_from(Scan).join(Unit, Unit.id == Scan.unit_id)
            logged = session.scalar(query.where(Unit.serial == unit["serial"]))
        assert logged == 3
        # Logging them was a write, but one that changes no lot's answer.
        assert cached_client.get(batch_path(batch), headers=JSON).headers["x-cache"] == "hit"

    def test_unknown_links_are_not_cached(
        self, cached_client: TestClient, supplier: str, sessions: SessionFactory
    ) -> None:
        batch = make_batch(cached_client, supplier)
        missing = f"/01/{batch['gtin']}/10/{batch['lot']}X"
        for _ in range(2):
            answer = cached_client.get(missing, headers=JSON)
            assert answer.status_code == 404 and answer.headers.get("x-cache") == "miss"
        assert len(app_state(cached_client).part(ANSWERS)) == 0
