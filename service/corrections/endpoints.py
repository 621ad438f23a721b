from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse

from service.corrections import service
from service.corrections.schemas import ErrorDeclarationCreate, ErrorDeclarationRead
from service.deps import MAX_ROW_ID, CurrentOrg, DbSession, IdempotencyKey, RowId
from service.idempotency import run_idempotent

router = APIRouter(prefix="/api/v1/batches", tags=["corrections"])
RecordN = Annotated[
    int, Path(ge=0, le=MAX_ROW_ID, description="the record's position in the batch's history")
]


@router.post(
    "/{batch_id}/records/{n}/error-declaration",
    status_code=201,
    response_model=ErrorDeclarationRead,
)
def declare_error(
    batch_id: RowId,
    n: RecordN,
    body: ErrorDeclarationCreate,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Declare record ``n`` erroneous, as EPCIS 2.0 error declarations do: only the
    organisation that recorded it may. The record stays, anchored; a new record says it was
    wrong, why (a CBV reason), and which later records correct it (record those first)."""

    def produce() -> ErrorDeclarationRead:
        return service.declare_error(session, org, batch_id, n, body)

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=201,
        produce=produce,
    )
