from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from service.deps import CurrentOrg, CurrentSettings, DbSession, IdempotencyKey, RowId
from service.events import single
from service.events.bulk import BulkEvents, BulkRecorded, record_bulk
from service.idempotency import run_idempotent
from service.records.schemas import EventRead
from service.records.window import EventTimeWindow

router = APIRouter(prefix="/api/v1/batches", tags=["events"])


@router.post(
    "/{batch_id}/events",
    status_code=201,
    response_model=EventRead,
    openapi_extra=single.openapi_operation(),
)
async def record_event(request: Request) -> Response:
    """Append one event. Concurrent posts share a transaction (``service.events.group``);
    each is answered once the transaction holding its record is committed. With an
    Idempotency-Key, a retry gets the first answer and writes nothing."""
    return await single.answer(request.scope, request.receive)


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
