from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from service.deps import (
    AuthorizationHeader,
    CurrentOrg,
    CurrentSettings,
    DbSession,
    IdempotencyKey,
    RowId,
    authenticates_in_transaction,
    bearer_key,
    get_state,
)
from service.events.bulk import BulkEvents, BulkRecorded, record_bulk
from service.events.group import EventPost
from service.events.schemas import EventCreate, EventRead
from service.events.window import EventTimeWindow
from service.idempotency import request_fingerprint, run_idempotent

router = APIRouter(prefix="/api/v1/batches", tags=["events"])


@router.post("/{batch_id}/events", status_code=201, response_model=EventRead)
@authenticates_in_transaction
async def record_event(
    batch_id: RowId,
    body: EventCreate,
    request: Request,
    authorization: AuthorizationHeader = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Append one event. Concurrent posts share a transaction (``service.events.group``);
    each is answered once the transaction holding its record is committed."""
    fingerprint = b"" if idempotency_key is None else request_fingerprint(request, body)
    post = EventPost(bearer_key(authorization), batch_id, body, idempotency_key, fingerprint)
    return await get_state(request).event_posts.submit(post)


@router.post("/{batch_id}/events:bulk", status_code=201, response_model=BulkRecorded)
def record_events_bulk(
    batch_id: RowId,
    body: BulkEvents,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    settings: CurrentSettings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Up to 10,000 events in order; all are written or none (422 lists every bad row)."""
    window = EventTimeWindow.from_settings(settings)

    def produce() -> BulkRecorded:
        return BulkRecorded(records=record_bulk(session, org, batch_id, body.events, window))

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=201,
        produce=produce,
    )
