"""Webhooks: subscriptions per organisation, signed deliveries, retries with backoff."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.config import Settings
from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.db.models import Organization, WebhookDelivery
from service.webhooks.dispatcher import WebhookDispatcher, verify_signature
from service.webhooks.service import enqueue
from tests.builders import auth, make_org

# Each test sees only its own deliveries (tests/support/webhooks.py).
pytestmark = pytest.mark.usefixtures("quiet_webhooks")

MAX_ATTEMPTS = 4


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 that records requests and fails the first N."""

    fail_first: int = 0
    requests: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(Received(dict(self.headers.items()), body))
            failing = len(receiver.requests) <= receiver.fail_first
            self.send_response(500 if failing else 204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    target = Receiver()
    target.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(target))
    thread = threading.Thread(target=target.server.serve_forever, daemon=True)
    thread.start()
    yield target
    target.server.shutdown()
    target.server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A loopback URL whose server this test started and stopped: connections are refused."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    return f"http://127.0.0.1:{port}/hooks"


@pytest.fixture
def dispatcher(sessions: SessionFactory, settings: Settings) -> Iterator[WebhookDispatcher]:
    dispatcher = WebhookDispatcher(
        sessions=sessions, settings=settings, max_attempts=MAX_ATTEMPTS, base_delay=1.0
    )
    yield dispatcher
    dispatcher.close()


def org_id(sessions: SessionFactory, slug: str) -> int:
    with sessions.read() as session:
        found = session.scalars(select(Organization.id).where(Organization.slug == slug)).one()
    return found


def subscribe(client: TestClient, key: str, url: str, events: list[str]) -> dict[str, Any]:
    response = client.post(
        "/api/v1/webhooks", json={"url": url, "events": events}, headers=auth(key)
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def publish(sessions: SessionFactory, event: str, data: dict[str, Any], org: int) -> int:
    with sessions.write() as session, session.begin():
        return enqueue(session, event, data, org_ids=[org])


def next_attempt_at(sessions: SessionFactory, subscription_id: int) -> datetime:
    with sessions.read() as session:
        query = select(WebhookDelivery.next_attempt_at).where(
            WebhookDelivery.subscription_id == subscription_id
        )
        return session.scalars(query).one()


def deliveries(client: TestClient, key: str, subscription_id: int) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/webhooks/{subscription_id}/deliveries", headers=auth(key))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestSubscribe:
    def test_secret_is_shown_once_and_never_listed(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        created = subscribe(client, key, "https://hooks.example.com/x", ["recall.issued"])
        assert created["secret"].startswith("0x") and len(created["secret"]) == 66
        listed = client.get("/api/v1/webhooks", headers=auth(key)).json()
        assert [s["id"] for s in listed] == [created["id"]]
        assert "secret" not in listed[0]
        assert listed[0]["events"] == ["recall.issued"]

    def test_unknown_event_type_is_rejected_naming_events(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        body = {"url": "https://hooks.example.com/x", "events": ["batch.eaten"]}
        response = client.post("/api/v1/webhooks", json=body, headers=auth(key))
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["events"]

    @pytest.mark.parametrize(
        "url", ["http://hooks.example.com/x", "ftp://127.0.0.1/x", "/relative", "https://"]
    )
    def test_plain_http_only_to_localhost(
        self, client: TestClient, sessions: SessionFactory, url: str
    ) -> None:
        _, key = make_org(sessions)
        body = {"url": url, "events": ["recall.issued"]}
        response = client.post("/api/v1/webhooks", json=body, headers=auth(key))
        assert response.status_code == 422, url
        assert response.json()["errors"][0]["field"] == "url"

    def test_needs_an_api_key(self, client: TestClient) -> None:
        assert client.get("/api/v1/webhooks").status_code == 401


class TestOtherOrganisations:
    def test_cannot_see_or_delete_another_orgs_subscription(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, other = make_org(sessions)
        created = subscribe(client, owner, "https://hooks.example.com/x", ["recall.issued"])
        assert client.get("/api/v1/webhooks", headers=auth(other)).json() == []
        path = f"/api/v1/webhooks/{created['id']}"
        assert client.delete(path, headers=auth(other)).status_code in {403, 404}
        assert client.get(f"{path}/deliveries", headers=auth(other)).status_code in {403, 404}
        assert len(client.get("/api/v1/webhooks", headers=auth(owner)).json()) == 1

    def test_only_the_named_orgs_subscriptions_hear_an_event(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        slug_a, key_a = make_org(sessions)
        _, key_b = make_org(sessions)
        a = subscribe(client, key_a, "http://127.0.0.1:9/a", ["batch.on_hold"])
        b = subscribe(client, key_b, "http://127.0.0.1:9/b", ["batch.on_hold"])
        assert publish(sessions, "batch.on_hold", {"lot": "L1"}, org_id(sessions, slug_a)) == 1
        assert len(deliveries(client, key_a, a["id"])) == 1
        assert deliveries(client, key_b, b["id"]) == []


class TestDelete:
    def test_deleted_subscription_gets_nothing_more(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        slug, key = make_org(sessions)
        created = subscribe(client, key, "https://hooks.example.com/x", ["recall.issued"])
        path = f"/api/v1/webhooks/{created['id']}"
        assert client.delete(path, headers=auth(key)).status_code == 204
        assert client.delete(path, headers=auth(key)).status_code == 404
        assert client.get("/api/v1/webhooks", headers=auth(key)).json() == []
        assert publish(sessions, "recall.issued", {}, org_id(sessions, slug)) == 0


class TestDelivery:
    def test_signed_body_verifies_with_the_secret_from_the_create_response(
        self,
        client: TestClient,
        sessions: SessionFactory,
        receiver: Receiver,
        dispatcher: WebhookDispatcher,
    ) -> None:
        slug, key = make_org(sessions)
        created = subscribe(client, key, receiver.url, ["recall.issued", "batch.released"])
        assert publish(sessions, "recall.issued", {"lot": "L7"}, org_id(sessions, slug)) == 1
        assert publish(sessions, "complaint.received", {}, org_id(sessions, slug)) == 0
        now = utcnow()
        dispatcher.tick(now=now)

        [request] = receiver.requests
        secret = bytes.fromhex(created["secret"][2:])
        signature = request.headers["Lotproof-Signature"]
        assert verify_signature(secret, signature, request.body, now=now)
        assert not verify_signature(bytes(32), signature, request.body, now=now)
        assert request.headers["Lotproof-Event"] == "recall.issued"
        assert request.headers["Lotproof-Timestamp"] == str(int(now.timestamp()))
        body = json.loads(request.body)
        assert body["type"] == "recall.issued" and body["data"] == {"lot": "L7"}
        [logged] = deliveries(client, key, created["id"])
        assert request.headers["Lotproof-Delivery"] == str(logged["id"])
        assert body["id"] == logged["event_id"]
        assert (logged["status"], logged["attempts"], logged["last_status_code"]) == (
            "delivered",
            1,
            204,
        )

    def test_retries_with_backoff_until_the_receiver_recovers(
        self,
        client: TestClient,
        sessions: SessionFactory,
        receiver: Receiver,
        dispatcher: WebhookDispatcher,
    ) -> None:
        receiver.fail_first = 2
        slug, key = make_org(sessions)
        created = subscribe(client, key, receiver.url, ["batch.on_hold"])
        publish(sessions, "batch.on_hold", {"lot": "L9"}, org_id(sessions, slug))
        now = utcnow()
        dispatcher.tick(now=now)
        assert len(receiver.requests) == 1
        for failures in (1, 2):
            due = next_attempt_at(sessions, created["id"])
            # base_delay * 2**failures, plus at most 10% jitter
            assert (
                timedelta(seconds=2**failures) <= due - now <= timedelta(seconds=1.1 * 2**failures)
            )
            dispatcher.tick(now=due - timedelta(milliseconds=10))
            assert len(receiver.requests) == failures, "sent before next_attempt_at"
            now = due
            dispatcher.tick(now=now)
            assert len(receiver.requests) == failures + 1

        [logged] = deliveries(client, key, created["id"])
        assert (logged["status"], logged["attempts"], logged["last_status_code"]) == (
            "delivered",
            3,
            204,
        )
        ids = {json.loads(r.body)["id"] for r in receiver.requests}
        assert len(ids) == 1, "every retry carries the same event id"

    def test_fails_for_good_after_max_attempts(
        self,
        client: TestClient,
        sessions: SessionFactory,
        receiver: Receiver,
        dispatcher: WebhookDispatcher,
    ) -> None:
        receiver.fail_first = 100
        slug, key = make_org(sessions)
        created = subscribe(client, key, receiver.url, ["complaint.overdue"])
        publish(sessions, "complaint.overdue", {"complaint": 1}, org_id(sessions, slug))
        now = utcnow()
        for _ in range(MAX_ATTEMPTS + 2):
            dispatcher.tick(now=now)
            now += timedelta(hours=1)
        assert len(receiver.requests) == MAX_ATTEMPTS
        [logged] = deliveries(client, key, created["id"])
        assert (logged["status"], logged["attempts"]) == ("failed", MAX_ATTEMPTS)
        assert (logged["last_status_code"], logged["last_error"]) == (500, "HTTP 500")

    def test_unreachable_receiver_is_logged_without_a_status_code(
        self,
        client: TestClient,
        sessions: SessionFactory,
        dispatcher: WebhookDispatcher,
        closed_port_url: str,
    ) -> None:
        slug, key = make_org(sessions)
        created = subscribe(client, key, closed_port_url, ["certificate.expiring"])
        publish(sessions, "certificate.expiring", {}, org_id(sessions, slug))
        dispatcher.tick(now=utcnow())
        [logged] = deliveries(client, key, created["id"])
        assert (logged["status"], logged["attempts"]) == ("pending", 1)
        assert logged["last_status_code"] is None
        # Generic: the exact error ("Connection refused") would tell what listens where.
        assert logged["last_error"] == "connection failed"


class TestDeliveryLog:
    def test_is_cursor_paginated_newest_first(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        slug, key = make_org(sessions)
        created = subscribe(client, key, "http://127.0.0.1:9/x", ["batch.released"])
        for n in range(3):
            publish(sessions, "batch.released", {"n": n}, org_id(sessions, slug))
        path = f"/api/v1/webhooks/{created['id']}/deliveries"
        first = client.get(path, params={"limit": 2}, headers=auth(key)).json()
        assert len(first["items"]) == 2 and first["next_cursor"] is not None
        params = {"limit": 2, "cursor": first["next_cursor"]}
        second = client.get(path, params=params, headers=auth(key)).json()
        assert len(second["items"]) == 1 and second["next_cursor"] is None
        ids = [d["id"] for d in first["items"] + second["items"]]
        assert ids == sorted(ids, reverse=True)
