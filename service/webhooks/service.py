"""Decisions of the webhooks domain: subscriptions, their delivery log, and `enqueue`."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from service.config import Settings
from service.db.base import utcnow
from service.db.models import Organization, WebhookDelivery, WebhookEvent, WebhookSubscription
from service.errors import InvalidInput, NotFound
from service.webhooks.destinations import DestinationPolicy
from service.webhooks.repository import WebhookRepository
from service.webhooks.schemas import (
    DeliveryList,
    DeliveryRead,
    WebhookCreate,
    WebhookCreated,
    WebhookRead,
)

SECRET_BYTES = 32


def create_subscription(
    session: Session, org: Organization, body: WebhookCreate, settings: Settings
) -> WebhookCreated:
    """A new subscription; the response carries its signing secret, this once only."""
    policy = DestinationPolicy.build(
        dev=settings.is_dev, allow_list=settings.webhook_allowed_destinations
    )
    refusal = policy.check_url(body.url)
    if refusal is not None:
        raise InvalidInput(f"url {refusal}", field="url")
    subscription = WebhookSubscription(
        org_id=org.id,
        url=body.url,
        event_types=body.events,
        secret=secrets.token_bytes(SECRET_BYTES),
        active=True,
    )
    WebhookRepository(session).add(subscription)
    read = _subscription_read(subscription)
    return WebhookCreated(**read.model_dump(), secret="0x" + subscription.secret.hex())


def list_subscriptions(session: Session, org: Organization) -> list[WebhookRead]:
    rows = WebhookRepository(session).list_active_by_org(org.id)
    return [_subscription_read(s) for s in rows]


def delete_subscription(session: Session, org: Organization, subscription_id: int) -> None:
    """Deactivate it: nothing more is queued or sent, and its delivery log stays readable."""
    subscription = _own_subscription(session, org, subscription_id)
    if not subscription.active:
        raise NotFound(f"no webhook subscription {subscription_id}")
    subscription.active = False
    session.flush()


def list_deliveries(
    session: Session,
    org: Organization,
    subscription_id: int,
    *,
    cursor: int | None,
    limit: int,
) -> DeliveryList:
    subscription = _own_subscription(session, org, subscription_id)
    rows = WebhookRepository(session).list_deliveries(
        subscription.id, before=cursor, limit=limit + 1
    )
    page = rows[:limit]
    return DeliveryList(
        items=[_delivery_read(d) for d in page],
        next_cursor=page[-1].id if len(rows) > limit else None,
    )


def enqueue(
    session: Session,
    event_type: str,
    payload: dict[str, Any],
    *,
    org_ids: Iterable[int] | None = None,
) -> int:
    """Queue ``payload`` (JSON-ready) for every active subscription to ``event_type``.

    With ``org_ids`` only those organisations' subscriptions hear of it. Returns how many
    deliveries were queued; the dispatcher sends them after the caller's transaction commits.
    """
    event = WebhookEvent(event_type)  # ValueError: a caller's bug, not a client's
    wanted = None if org_ids is None else set(org_ids)
    if wanted is not None and not wanted:
        return 0
    repo = WebhookRepository(session)
    # Filtered in Python: JSON containment differs between SQLite and PostgreSQL, and an
    # organisation has a handful of subscriptions at most.
    targets = [s for s in repo.list_active(wanted) if event.value in s.event_types]
    event_id, now = str(uuid.uuid4()), utcnow()
    deliveries = [
        WebhookDelivery(
            subscription_id=s.id,
            event_type=event.value,
            payload=payload,
            event_id=event_id,
            next_attempt_at=now,
            created_at=now,
        )
        for s in targets
    ]
    repo.add_all(deliveries)
    return len(deliveries)


def _own_subscription(
    session: Session, org: Organization, subscription_id: int
) -> WebhookSubscription:
    subscription = WebhookRepository(session).get_subscription(subscription_id)
    # Another organisation's subscription is reported as missing: its URL and events are
    # none of the caller's business, not even its existence.
    if subscription is None or subscription.org_id != org.id:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return subscription


def _subscription_read(subscription: WebhookSubscription) -> WebhookRead:
    return WebhookRead(
        id=subscription.id,
        url=subscription.url,
        events=list(subscription.event_types),
        active=subscription.active,
        created_at=subscription.created_at,
    )


def _delivery_read(delivery: WebhookDelivery) -> DeliveryRead:
    return DeliveryRead(
        id=delivery.id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
    )
