"""Routes of the webhooks domain: thin, no SQL, no commit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.deps import MAX_ROW_ID, CurrentOrg, CurrentSettings, DbSession, RowId
from service.webhooks import service
from service.webhooks.schemas import DeliveryList, WebhookCreate, WebhookCreated, WebhookRead

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])


@router.post("", status_code=201, response_model=WebhookCreated)
def create_webhook(
    body: WebhookCreate, org: CurrentOrg, session: DbSession, settings: CurrentSettings
) -> WebhookCreated:
    """Subscribe a URL to event types; the signing secret is in this response only."""
    return service.create_subscription(session, org, body, settings)


@router.get("", response_model=list[WebhookRead])
def list_webhooks(org: CurrentOrg, session: DbSession) -> list[WebhookRead]:
    return service.list_subscriptions(session, org)


@router.delete("/{subscription_id}", status_code=204, response_class=Response)
def delete_webhook(subscription_id: RowId, org: CurrentOrg, session: DbSession) -> Response:
    service.delete_subscription(session, org, subscription_id)
    return Response(status_code=204)


@router.get("/{subscription_id}/deliveries", response_model=DeliveryList)
def list_deliveries(
    subscription_id: RowId,
    org: CurrentOrg,
    session: DbSession,
    cursor: Annotated[
        int | None, Query(ge=0, le=MAX_ROW_ID, description="id of the last delivery seen")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryList:
    """The subscription's delivery log, newest first."""
    return service.list_deliveries(session, org, subscription_id, cursor=cursor, limit=limit)
