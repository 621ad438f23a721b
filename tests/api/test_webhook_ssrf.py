"""Webhooks cannot be pointed at the server's own network (SSRF) outside dev mode.

Only loopback listeners of this test are targeted; the policy is what changes: a prod-mode
app, with or without an allow-list, against the dev-mode one the rest of the suite uses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import Settings
from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.webhooks.dispatcher import WebhookDispatcher, verify_signature
from tests.builders import auth, make_org
from tests.support.hostile_receivers import (
    Listener,
    Serve,
    plain_http,
    silent,
    well_behaved,
)
from tests.support.webhooks import publish_recall

# Each test sees only its own deliveries (tests/support/webhooks.py).
pytestmark = pytest.mark.usefixtures("quiet_webhooks")

# Not the public Hardhat key, which prod mode refuses; never funded, never used to send.
PROD_ANCHOR_KEY = "0x" + "11" * 32


def prod(settings: Settings, allow: str = "") -> Settings:
    return Settings(
        **{
            **settings.model_dump(),
            "env": "prod",
            "anchor_key": PROD_ANCHOR_KEY,
            "webhook_allowed_destinations": allow,
            "webhook_timeout_s": 3.0,
        }
    )


def register(client: TestClient, key: str, url: str) -> Any:
    body = {"url": url, "events": ["recall.issued"]}
    return client.post("/api/v1/webhooks", json=body, headers=auth(key))


def publish(sessions: SessionFactory, slug: str) -> None:
    assert publish_recall(sessions, slug) == 1


def deliver(sessions: SessionFactory, settings: Settings) -> None:
    dispatcher = WebhookDispatcher(sessions=sessions, settings=settings)
    try:
        assert dispatcher.tick(now=utcnow()) == 1
    finally:
        dispatcher.close()


def logged(client: TestClient, key: str, subscription_id: int) -> dict[str, Any]:
    response = client.get(f"/api/v1/webhooks/{subscription_id}/deliveries", headers=auth(key))
    assert response.status_code == 200, response.text
    [delivery] = response.json()["items"]
    entry: dict[str, Any] = delivery
    return entry


class TestRegistration:
    @pytest.mark.parametrize(
        "url",
        [
            "https://127.0.0.1:{port}/hooks",
            "http://127.0.0.1:{port}/hooks",
            "http://localhost:{port}/hooks",  # plain http outside dev mode
            "https://[::1]:{port}/hooks",
            "https://127.1.2.3/",
            "https://10.0.0.5/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://169.254.169.254/latest/meta-data/",  # cloud metadata
            "https://100.64.0.1/",  # carrier-grade NAT
            "https://0.0.0.0:{port}/",
            "https://224.0.0.1/",
            "https://240.0.0.1/",
            "https://[fe80::1]/",
            "https://[fd00::1]/",
            "https://[::ffff:127.0.0.1]:{port}/",  # IPv4-mapped
            "https://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
            "https://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
            "http://hooks.example.com/x",
            "https://user:secret@hooks.example.com/x",
        ],
    )
    def test_prod_refuses_internal_destinations_and_plain_http(
        self,
        settings: Settings,
        sessions: SessionFactory,
        listeners: Callable[[Serve], Listener],
        url: str,
    ) -> None:
        target = listeners(silent)
        _, key = make_org(sessions)
        with TestClient(create_app(prod(settings))) as client:
            response = register(client, key, url.format(port=target.port))
            assert response.status_code == 422, response.text
            assert response.json()["errors"][0]["field"] == "url"
            assert client.get("/api/v1/webhooks", headers=auth(key)).json() == []
        assert target.connections == []

    def test_prod_accepts_a_public_https_name(
        self, settings: Settings, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        with TestClient(create_app(prod(settings))) as client:
            assert register(client, key, "https://hooks.example.com:8443/x").status_code == 201

    def test_an_allow_listed_receiver_may_use_plain_http(
        self, settings: Settings, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        allow = "127.0.0.1:9001, hooks.internal:8080"
        with TestClient(create_app(prod(settings, allow))) as client:
            assert register(client, key, "http://127.0.0.1:9001/x").status_code == 201
            assert register(client, key, "http://hooks.internal:8080/x").status_code == 201
            # The entry names one port: the next one is still refused.
            assert register(client, key, "http://127.0.0.1:9002/x").status_code == 422

    def test_a_malformed_allow_list_stops_startup(self, settings: Settings) -> None:
        with pytest.raises(ValueError, match="not-a-network"):
            prod(settings, "10.0.0.0/8, not-a-network")


class TestDelivery:
    def test_name_resolving_to_loopback_is_refused_at_send_time(
        self,
        settings: Settings,
        sessions: SessionFactory,
        listeners: Callable[[Serve], Listener],
    ) -> None:
        target = listeners(well_behaved)
        slug, key = make_org(sessions)
        with TestClient(create_app(prod(settings))) as client:
            # A name: nothing to refuse until it is resolved, when the delivery is sent.
            response = register(client, key, target.url("https", "localhost"))
            assert response.status_code == 201, response.text
            publish(sessions, slug)
            deliver(sessions, prod(settings))
            entry = logged(client, key, response.json()["id"])
        assert target.connections == []
        assert (entry["status"], entry["attempts"]) == ("pending", 1)
        assert (entry["last_status_code"], entry["last_error"]) == (None, "destination not allowed")

    @pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
    def test_subscriptions_made_before_prod_mode_are_refused_at_send_time(
        self,
        client: TestClient,
        settings: Settings,
        sessions: SessionFactory,
        listeners: Callable[[Serve], Listener],
        host: str,
    ) -> None:
        target = listeners(well_behaved)
        slug, key = make_org(sessions)
        created = register(client, key, target.url("http", host))  # the dev-mode app
        assert created.status_code == 201, created.text
        publish(sessions, slug)
        deliver(sessions, prod(settings))
        assert target.connections == []
        assert logged(client, key, created.json()["id"])["last_error"] == "destination not allowed"

    @pytest.mark.parametrize("allow", ["127.0.0.1:{port}", "127.0.0.0/8"])
    def test_allow_listed_receiver_gets_the_signed_delivery(
        self,
        settings: Settings,
        sessions: SessionFactory,
        listeners: Callable[[Serve], Listener],
        allow: str,
    ) -> None:
        target = listeners(well_behaved)
        policy = prod(settings, allow.format(port=target.port))
        slug, key = make_org(sessions)
        with TestClient(create_app(policy)) as client:
            response = register(client, key, target.url())
            assert response.status_code == 201, response.text
            publish(sessions, slug)
            now = utcnow()
            deliver(sessions, policy)
            entry = logged(client, key, response.json()["id"])
        [connection] = target.connections
        head, _, body = connection.request.partition(b"\r\n\r\n")
        headers = dict(
            line.decode().split(": ", 1) for line in head.split(b"\r\n")[1:] if b": " in line
        )
        secret = bytes.fromhex(response.json()["secret"][2:])
        assert verify_signature(secret, headers["Lotproof-Signature"], body, now=now)
        assert (entry["status"], entry["last_status_code"]) == ("delivered", 204)

    @pytest.mark.parametrize(
        ("scheme", "kind", "expected"),
        [
            ("https", plain_http, "connection failed"),  # was "SSL: WRONG_VERSION_NUMBER"
            ("http", None, "connection failed"),  # was "Connection refused"
        ],
    )
    def test_errors_stored_for_the_subscriber_are_generic(
        self,
        settings: Settings,
        sessions: SessionFactory,
        listeners: Callable[[Serve], Listener],
        scheme: str,
        kind: Serve | None,
        expected: str,
    ) -> None:
        target = listeners(kind or silent)
        url = target.url(scheme)
        if kind is None:
            target.close()  # nothing listens there any more: the connection is refused
        policy = prod(settings, "127.0.0.0/8")
        slug, key = make_org(sessions)
        with TestClient(create_app(policy)) as client:
            response = register(client, key, url)
            assert response.status_code == 201, response.text
            publish(sessions, slug)
            deliver(sessions, policy)
            entry = logged(client, key, response.json()["id"])
        assert (entry["last_status_code"], entry["last_error"]) == (None, expected)
