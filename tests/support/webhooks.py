"""What the webhook tests share: a clean delivery queue, loopback receivers, events to send.

A plugin of the suite (``pytest_plugins`` in tests/conftest.py): a webhook test module asks
for ``quiet_webhooks`` with ``pytestmark = pytest.mark.usefixtures("quiet_webhooks")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import select, update

from service.db.engine import SessionFactory
from service.db.models import DeliveryStatus, Organization, WebhookDelivery, WebhookSubscription
from service.webhooks.service import enqueue
from tests.support.hostile_receivers import Listener, Serve


@pytest.fixture
def quiet_webhooks(sessions: SessionFactory) -> Iterator[None]:
    """Each test sees only its own deliveries: the database is shared by the whole session,
    and a later tick must not send a leftover delivery to a port another receiver reuses."""

    def silence() -> None:
        with sessions.write() as session, session.begin():
            session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.status == DeliveryStatus.pending)
                .values(status=DeliveryStatus.failed, last_error="test over")
            )
            session.execute(update(WebhookSubscription).values(active=False))

    silence()
    yield
    silence()


@pytest.fixture
def listeners() -> Iterator[Callable[[Serve], Listener]]:
    """Starts loopback receivers of a given kind; closes them after the test."""
    started: list[Listener] = []

    def start(kind: Serve) -> Listener:
        started.append(Listener(kind))
        return started[-1]

    yield start
    for listener in started:
        listener.close()


def publish_recall(sessions: SessionFactory, slug: str) -> int:
    """Queues a ``recall.issued`` event for the organisation ``slug``; deliveries queued."""
    with sessions.write() as session, session.begin():
        org = session.scalars(select(Organization.id).where(Organization.slug == slug)).one()
        return enqueue(session, "recall.issued", {"lot": "L1"}, org_ids=[org])
