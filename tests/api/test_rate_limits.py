"""Rate limits (``service.ratelimit``): per source address for every request, per genuine API
key on top, and per source address after failed authentications; overload answers 429."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.app import create_app
from service.auth.keyformat import make_key, prefix_of
from service.config import Settings
from service.db.engine import SessionFactory
from tests.builders import auth, chain_of, make_batch, make_org

ME = "/api/v1/orgs/me/signing"  # any organisation may read its own
RESOLVER = "/01/09506000134352/10/X1"  # public: a key there is never checked
UNKNOWN = make_key().key  # well formed, checksum and all, but never issued
MISTYPED = "lp_" + "1" * 12 + "_" + "2" * 64 + "_00000000"  # a bad checksum


PROXY = ("127.0.0.1", 50000)  # the test client connects as the trusted reverse proxy


def limited_app(settings: Settings, per_source: str = "4/minute") -> TestClient:
    """The app with small limits, behind a trusted proxy so a test can be several sources."""
    small = settings.model_copy(
        update={
            "rate_limit_per_key": "5/minute",
            "rate_limit_per_source": per_source,
            "rate_limit_auth_failures": "3/minute",
            "trusted_proxies": "127.0.0.1",
        }
    )
    return TestClient(create_app(small), client=PROXY)


@pytest.fixture
def limited(settings: Settings) -> Iterator[TestClient]:
    with limited_app(settings) as client:
        yield client


@pytest.fixture
def per_key_only(settings: Settings) -> Iterator[TestClient]:
    """Room enough per address that only the keys' own budgets are reached."""
    with limited_app(settings, per_source="1000/minute") as client:
        yield client


def source(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def assert_limited(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    assert response.json()["title"] == "Too many requests"


class TestPerKey:
    def test_a_key_over_its_limit_gets_429_and_other_keys_do_not(
        self, per_key_only: TestClient, sessions: SessionFactory
    ) -> None:
        _, busy = make_org(sessions)
        _, calm = make_org(sessions)
        statuses = [per_key_only.get(ME, headers=auth(busy)).status_code for _ in range(5)]
        assert 429 not in statuses
        over = per_key_only.get(ME, headers=auth(busy))
        assert_limited(over)
        assert "API key" in over.json()["detail"]
        assert per_key_only.get(ME, headers=auth(calm)).status_code == 200

    def test_a_refused_write_writes_nothing(
        self, per_key_only: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(per_key_only, key)  # product + batch: two of the five
        url = f"/api/v1/batches/{batch['id']}/events"
        body = {"type": "packing", "event_time": "2026-11-02T08:00:00Z", "location": "P"}
        created = [per_key_only.post(url, json=body, headers=auth(key)) for _ in range(3)]
        assert [r.status_code for r in created] == [201, 201, 201]
        assert_limited(per_key_only.post(url, json=body, headers=auth(key)))
        assert chain_of(sessions, batch["id"]) == [0, 1, 2]

    def test_a_keys_prefix_alone_spends_nothing_of_its_budget(
        self, per_key_only: TestClient, sessions: SessionFactory
    ) -> None:
        """Prefixes are public: requests with a real prefix and a made-up secret (from many
        addresses) used to use up the real key's budget."""
        _, victim = make_org(sessions)
        forged = f"lp_{prefix_of(victim)}_{'A' * 43}"  # a legacy-shaped key: no checksum
        for i in range(10):
            answer = per_key_only.get(RESOLVER, headers=auth(forged) | source(f"192.0.2.{i}"))
            assert answer.status_code != 429, answer.text
        assert per_key_only.get(ME, headers=auth(victim)).status_code == 200


class TestInventedKeys:
    """Finding 6 of issue 18: a made-up key used to buy a fresh budget per request."""

    def test_invented_keys_from_one_address_still_get_429(self, limited: TestClient) -> None:
        attacker = source("203.0.113.66")
        statuses = [
            limited.get(RESOLVER, headers=auth(make_key().key) | attacker).status_code
            for _ in range(12)
        ]
        assert 429 not in statuses[:4]
        assert set(statuses[4:]) == {429}
        assert_limited(limited.get(RESOLVER, headers=auth(make_key().key) | attacker))
        assert limited.get(RESOLVER, headers=source("203.0.113.67")).status_code != 429

    def test_a_genuine_key_does_not_lift_the_address_limit(
        self, limited: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        here = source("203.0.113.70")
        statuses = [limited.get(ME, headers=auth(key) | here).status_code for _ in range(4)]
        assert statuses == [200] * 4
        over = limited.get(ME, headers=auth(key) | here)
        assert_limited(over)
        assert "client address" in over.json()["detail"]


class TestSharedInRedis:
    """With ``LOTPROOF_RATE_LIMIT_STORAGE=redis://...`` instances share one budget per address:
    invented keys sent to two instances in turn still meet it (the real Redis of this machine)."""

    def test_two_instances_count_one_address_together(self, settings: Settings) -> None:
        shared = settings.model_copy(update={"rate_limit_storage": "redis://127.0.0.1:6379"})
        # An address of this run's own: the Redis server outlives test sessions.
        attacker = source(f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(256)}")
        with limited_app(shared) as first, limited_app(shared) as second:
            statuses = [
                instance.get(RESOLVER, headers=auth(make_key().key) | attacker).status_code
                for instance in (first, second, first, second)
            ]
            assert 429 not in statuses
            assert_limited(second.get(RESOLVER, headers=auth(make_key().key) | attacker))
            assert_limited(first.get(RESOLVER, headers=attacker))


class TestPerSource:
    def test_public_pages_are_limited_per_address(self, limited: TestClient) -> None:
        for _ in range(4):
            assert (
                limited.get("/01/09506000134352/10/X1", headers=source("203.0.113.7")).status_code
                != 429
            )
        assert_limited(limited.get("/01/09506000134352/10/X1", headers=source("203.0.113.7")))
        other = limited.get("/01/09506000134352/10/X1", headers=source("203.0.113.8"))
        assert other.status_code != 429

    def test_operational_routes_are_never_limited(self, limited: TestClient) -> None:
        statuses = {
            limited.get("/healthz", headers=source("198.51.100.1")).status_code for _ in range(10)
        }
        assert statuses == {200}


class TestAuthenticationFailures:
    @pytest.mark.parametrize("guess", [UNKNOWN, MISTYPED], ids=["unknown", "mistyped"])
    def test_an_address_guessing_keys_is_stopped_even_with_a_good_key(
        self, limited: TestClient, sessions: SessionFactory, guess: str
    ) -> None:
        _, good = make_org(sessions)
        guesser, bystander = source("192.0.2.66"), source("192.0.2.67")
        for _ in range(3):
            response = limited.get(ME, headers=auth(guess) | guesser)
            assert response.status_code == 401
        assert_limited(limited.get(ME, headers=auth(guess) | guesser))
        assert_limited(limited.get(ME, headers=auth(good) | guesser))
        assert limited.get(ME, headers=auth(good) | bystander).status_code == 200


class TestSettings:
    def test_a_malformed_limit_is_refused_at_startup(self) -> None:
        with pytest.raises(ValidationError, match="rate_limit_per_key"):
            Settings(rate_limit_per_key="lots per fortnight")

    def test_an_empty_limit_is_off(self, client: TestClient, sessions: SessionFactory) -> None:
        _, key = make_org(sessions)
        statuses = {client.get(ME, headers=auth(key)).status_code for _ in range(40)}
        assert statuses == {200}
