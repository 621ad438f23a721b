from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from service.batches.service import get_readable_batch
from service.deps import CurrentOrg, CurrentSettings, DbSession, IdempotencyKey, RowId
from service.idempotency import run_idempotent
from service.records.window import EventTimeWindow
from service.transformations import service
from service.transformations.schemas import (
    TraceDirection,
    TraceGraph,
    TransformationCreate,
    TransformationRead,
)

router = APIRouter(prefix="/api/v1/transformations", tags=["transformations"])
# The trace hangs off a batch, so it lives under the batches prefix.
trace_router = APIRouter(prefix="/api/v1/batches", tags=["transformations"])


@router.post("", status_code=201, response_model=TransformationRead)
def create_transformation(
    body: TransformationCreate,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    settings: CurrentSettings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Make a new batch from input batches the caller holds (milled, blended, repacked)."""

    def produce() -> TransformationRead:
        window = EventTimeWindow.from_settings(settings)
        transformation = service.transform(session, org, body, window)
        return service.transformation_read(session, transformation, settings.public_url)

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=201,
        produce=produce,
    )


@trace_router.get("/{batch_id}/trace", response_model=TraceGraph)
def get_trace(
    batch_id: RowId,
    org: CurrentOrg,
    session: DbSession,
    direction: TraceDirection = TraceDirection.both,
    depth: Annotated[int, Query(ge=1, le=10, description="Hops to follow")] = 5,
) -> TraceGraph:
    """What went into a batch and what it went into, as a graph, for those who take part in
    it (see ``get_readable_batch``)."""
    get_readable_batch(session, org, batch_id)
    return service.trace(session, batch_id, direction, depth)
