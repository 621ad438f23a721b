"""Webhooks connect to the address they checked, yet verify TLS for the URL's own name.

Pinning the connection to a checked address (tests/api/test_webhook_ssrf.py) must not cost
certificate verification: the receiver's certificate is checked against the host in the URL,
which is also sent as SNI. The receivers are loopback TLS servers with certificates from a
throw-away CA (trustme); the prod-mode policy allows 127.0.0.0/8 so that the name check, not the
address check, is what is tested.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable

import pytest
import trustme
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import Settings
from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.webhooks.dispatcher import WebhookDispatcher
from tests.builders import auth, make_org
from tests.support.hostile_receivers import Connection, Listener, Serve, well_behaved
from tests.support.webhooks import publish_recall

pytestmark = pytest.mark.usefixtures("quiet_webhooks")

PROD_ANCHOR_KEY = "0x" + "11" * 32  # not the public Hardhat key, which prod mode refuses


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def tls_receiver(ca: trustme.CA, name: str, names_seen: list[str]) -> Serve:
    """A well-behaved receiver behind TLS, with a certificate for ``name`` only."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(name).configure_cert(context)

    def remember_sni(_: ssl.SSLSocket, server_name: str | None, __: ssl.SSLContext) -> None:
        names_seen.append(server_name or "")

    context.sni_callback = remember_sni

    def serve(conn: socket.socket, log: Connection, stop: threading.Event) -> None:
        with context.wrap_socket(conn, server_side=True) as tls:  # SSLError: handshake refused
            well_behaved(tls, log, stop)

    return serve


def trusting(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context()
    ca.configure_trust(context)
    return context


def prod(settings: Settings) -> Settings:
    return Settings(
        **{
            **settings.model_dump(),
            "env": "prod",
            "anchor_key": PROD_ANCHOR_KEY,
            "webhook_allowed_destinations": "127.0.0.0/8",
            "webhook_timeout_s": 3.0,
        }
    )


def deliver_once(
    settings: Settings, sessions: SessionFactory, target: Listener, trust: ssl.SSLContext | None
) -> dict[str, object]:
    """Subscribes a new organisation to ``https://localhost:<port>``, sends one event, and
    answers the delivery log's entry."""
    slug, key = make_org(sessions)
    with TestClient(create_app(settings)) as client:
        created = client.post(
            "/api/v1/webhooks",
            json={"url": target.url("https", "localhost"), "events": ["recall.issued"]},
            headers=auth(key),
        )
        assert created.status_code == 201, created.text
        assert publish_recall(sessions, slug) == 1
        dispatcher = WebhookDispatcher(sessions=sessions, settings=settings, ssl_context=trust)
        try:
            assert dispatcher.tick(now=utcnow()) == 1
        finally:
            dispatcher.close()
        url = f"/api/v1/webhooks/{created.json()['id']}/deliveries"
        [entry] = client.get(url, headers=auth(key)).json()["items"]
    result: dict[str, object] = entry
    return result


class TestTlsToAPinnedAddress:
    def test_a_certificate_for_the_urls_name_is_accepted_and_sni_names_it(
        self,
        settings: Settings,
        sessions: SessionFactory,
        listeners: Callable[[Serve], Listener],
        ca: trustme.CA,
    ) -> None:
        names: list[str] = []
        target = listeners(tls_receiver(ca, "localhost", names))
        entry = deliver_once(prod(settings), sessions, target, trusting(ca))
        assert (entry["status"], entry["last_status_code"]) == ("delivered", 204)
        assert names == ["localhost"]
        [connection] = target.connections
        assert f"Host: localhost:{target.port}".encode() in connection.request

    def test_a_certificate_for_another_name_is_refused(
        self,
        settings: Settings,
        sessions: SessionFactory,
        listeners: Callable[[Serve], Listener],
        ca: trustme.CA,
    ) -> None:
        """Connecting to 127.0.0.1 did not turn the check into "any certificate our CA signed"."""
        names: list[str] = []
        target = listeners(tls_receiver(ca, "hooks.example.com", names))
        entry = deliver_once(prod(settings), sessions, target, trusting(ca))
        assert (entry["status"], entry["last_error"]) == ("pending", "connection failed")
        assert names == ["localhost"]  # the handshake began, and was refused by us
        assert all(c.request == b"" for c in target.connections)

    def test_a_certificate_from_an_unknown_ca_is_refused(
        self,
        settings: Settings,
        sessions: SessionFactory,
        listeners: Callable[[Serve], Listener],
        ca: trustme.CA,
    ) -> None:
        """Without being told to trust the test CA, the public bundle applies."""
        target = listeners(tls_receiver(ca, "localhost", []))
        entry = deliver_once(prod(settings), sessions, target, None)
        assert (entry["status"], entry["last_error"]) == ("pending", "connection failed")
        assert all(c.request == b"" for c in target.connections)
