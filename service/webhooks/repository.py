"""Every query of the webhooks domain."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.db.models import DeliveryStatus, WebhookDelivery, WebhookSubscription


class WebhookRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, row: WebhookSubscription | WebhookDelivery) -> None:
        self.session.add(row)
        self.session.flush()

    def add_all(self, rows: Sequence[WebhookDelivery]) -> None:
        self.session.add_all(rows)
        self.session.flush()

    def get_subscription(self, subscription_id: int) -> WebhookSubscription | None:
        return self.session.get(WebhookSubscription, subscription_id)

    def get_delivery(self, delivery_id: int) -> WebhookDelivery | None:
        return self.session.get(WebhookDelivery, delivery_id)

    def list_active_by_org(self, org_id: int) -> Sequence[WebhookSubscription]:
        query = select(WebhookSubscription).where(
            WebhookSubscription.org_id == org_id, WebhookSubscription.active.is_(True)
        )
        return self.session.scalars(query.order_by(WebhookSubscription.id)).all()

    def list_active(self, org_ids: Collection[int] | None) -> Sequence[WebhookSubscription]:
        query = select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
        if org_ids is not None:
            query = query.where(WebhookSubscription.org_id.in_(org_ids))
        return self.session.scalars(query.order_by(WebhookSubscription.id)).all()

    def list_deliveries(
        self, subscription_id: int, *, before: int | None, limit: int
    ) -> Sequence[WebhookDelivery]:
        """Newest first; ``before`` is the id of the last delivery already seen."""
        query = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
        if before is not None:
            query = query.where(WebhookDelivery.id < before)
        return self.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(limit)).all()

    def list_due(
        self, now: datetime, limit: int, *, exclude: Collection[int] = ()
    ) -> list[tuple[int, int, str]]:
        """(delivery id, organisation id, URL) of pending deliveries due by ``now``, oldest
        first; ``exclude``: the ones this process is sending right now."""
        query = (
            select(WebhookDelivery.id, WebhookSubscription.org_id, WebhookSubscription.url)
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .where(
                WebhookDelivery.status == DeliveryStatus.pending,
                WebhookDelivery.next_attempt_at <= now,
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        if exclude:
            query = query.where(WebhookDelivery.id.not_in(list(exclude)))
        return [(row[0], row[1], row[2]) for row in self.session.execute(query)]

    def defer(self, delivery_ids: Collection[int], until: datetime) -> None:
        """Move still-pending deliveries' next attempt to ``until`` (no attempt counted)."""
        self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id.in_(list(delivery_ids)),
                WebhookDelivery.status == DeliveryStatus.pending,
            )
            .values(next_attempt_at=until)
        )
