"""Hostile webhook receivers neither exhaust the server nor hold up other organisations.

The app runs its own dispatcher (run_worker on), as in production; the receivers are real
sockets on 127.0.0.1 (dev mode lets deliveries reach this machine).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import DeliveryStatus, WebhookDelivery
from tests.builders import auth, make_org
from tests.support.hostile_receivers import (
    Connection,
    Listener,
    Serve,
    huge_body,
    reset,
    silent,
    trickle,
    well_behaved,
)
from tests.support.webhooks import publish_recall

# Each test sees only its own deliveries (tests/support/webhooks.py).
pytestmark = pytest.mark.usefixtures("quiet_webhooks")

DEADLINE_S = 3.0
SLACK_S = 1.5  # thread scheduling, and the receiver noticing the hang-up
PER_ORG = 2
# What each hostile kind's attempts are recorded as, in the subscriber's delivery log.
EXPECTED = {
    "huge": (500, "HTTP 500"),
    "trickle": (None, "timed out"),
    "silent": (None, "timed out"),
    "reset": (None, "connection failed"),
}


def live_settings(settings: Settings) -> Settings:
    return Settings(
        **{
            **settings.model_dump(),
            "run_worker": True,
            "webhook_timeout_s": DEADLINE_S,
            "webhook_interval_s": 0.1,
            "webhook_max_response_bytes": 4096,
            # Room for the four hostile orgs, the flooding org's share, and one more.
            "webhook_concurrency": 4 + PER_ORG + 1,
            "webhook_per_org": PER_ORG,
        }
    )


def subscribe(client: TestClient, key: str, url: str) -> int:
    body = {"url": url, "events": ["recall.issued"]}
    response = client.post("/api/v1/webhooks", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    subscription_id: int = response.json()["id"]
    return subscription_id


def publish(sessions: SessionFactory, slug: str) -> None:
    assert publish_recall(sessions, slug) >= 1


def wait_for(condition: Callable[[], bool], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def most_at_once(connections: list[Connection]) -> int:
    """The most of these connections that were open at the same moment."""
    ends = [c.closed if c.closed is not None else float("inf") for c in connections]
    return max(
        sum(1 for o, end in zip(connections, ends, strict=True) if o.accepted <= c.accepted < end)
        for c in connections
    )


def test_hostile_receivers_end_by_the_deadline_and_hold_up_no_other_org(
    settings: Settings,
    sessions: SessionFactory,
    listeners: Callable[[Serve], Listener],
) -> None:
    kinds: dict[str, Serve] = {"huge": huge_body, "trickle": trickle, "silent": silent}
    kinds["reset"] = reset
    hostile = {name: listeners(kind) for name, kind in kinds.items()}
    flood = [listeners(silent) for _ in range(4)]
    good = listeners(well_behaved)
    subscriptions: dict[str, int] = {}
    with TestClient(create_app(live_settings(settings))) as client:
        for name, listener in hostile.items():  # one organisation each
            slug, key = make_org(sessions)
            subscriptions[name] = subscribe(client, key, listener.url())
            publish(sessions, slug)
        slug, key = make_org(sessions)  # one organisation, four receivers that never answer
        for listener in flood:
            subscribe(client, key, listener.url())
        publish(sessions, slug)
        assert wait_for(lambda: all(h.connections for h in hostile.values()), 5), (
            "the hostile receivers' sends did not start side by side"
        )

        slug, key = make_org(sessions)
        subscribe(client, key, good.url())
        published = time.monotonic()
        publish(sessions, slug)
        assert wait_for(lambda: bool(good.connections), DEADLINE_S), (
            "another organisation's delivery waited for the hostile receivers"
        )
        assert good.connections[0].accepted - published < 1.0
        for name in ("trickle", "silent"):  # ...which were still hanging meanwhile
            assert hostile[name].connections[0].closed is None, name

        assert wait_for(
            lambda: all(h.connections[0].closed for h in hostile.values()), DEADLINE_S + SLACK_S
        ), "a hostile receiver kept its attempt past the deadline"
        for name, listener in hostile.items():
            first = listener.connections[0]
            assert first.closed is not None
            assert first.closed - first.accepted <= DEADLINE_S + SLACK_S, name
        # The dispatcher hung up after a few KB: the rest of the 100 MB never left the
        # receiver (what it did send sits in the kernel's socket buffers).
        assert hostile["huge"].connections[0].bytes_sent < 16 * 1024 * 1024
        assert hostile["trickle"].connections[0].bytes_sent <= DEADLINE_S + SLACK_S
        flooded = [c for listener in flood for c in listener.connections]
        assert len(flooded) >= PER_ORG
        assert most_at_once(flooded) <= PER_ORG, "one organisation took more than its share"

    # The app has stopped (sends in flight ended first): the delivery log is final.
    for name, subscription_id in subscriptions.items():
        _check_logged_and_retried(sessions, name, subscription_id, hostile[name])


def _check_logged_and_retried(
    sessions: SessionFactory, name: str, subscription_id: int, listener: Listener
) -> None:
    """Every attempt is recorded as failed with a generic error, the next one per the backoff
    (base 1 s * 2**attempts, up to 10 % jitter, counted from the attempt's start)."""
    with sessions.read() as session:
        query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
        [delivery] = session.scalars(query).all()
    assert delivery.status == DeliveryStatus.pending, name
    assert delivery.attempts == len(listener.connections), name
    assert (delivery.last_status_code, delivery.last_error) == EXPECTED[name]
    backoff = 2**delivery.attempts
    since_last = (delivery.next_attempt_at - listener.connections[-1].accepted_at).total_seconds()
    assert backoff - 0.5 <= since_last <= backoff * 1.1 + 0.05, (name, since_last)
