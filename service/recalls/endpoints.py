from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from service.deps import CurrentOrg, DbSession, IdempotencyKey, RowId
from service.idempotency import run_idempotent
from service.recalls import service
from service.recalls.schemas import RecallCreate, RecallRead

router = APIRouter(prefix="/api/v1/recalls", tags=["recalls"])


@router.post("", status_code=201, response_model=RecallRead)
def create_recall(
    body: RecallCreate,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Recall batches (owner: its own; inspector/admin: any) and every batch made from them."""

    def produce() -> RecallRead:
        recall = service.create_recall(session, org, body)
        return service.recall_read(session, recall.id)

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=201,
        produce=produce,
    )


@router.get("/{recall_id}", response_model=RecallRead)
def get_recall(recall_id: RowId, org: CurrentOrg, session: DbSession) -> RecallRead:
    return service.recall_read(session, recall_id)


@router.get("/{recall_id}/export.csv", response_class=Response)
def export_recall(recall_id: RowId, org: CurrentOrg, session: DbSession) -> Response:
    """The spreadsheet regulators ask for: one row per affected batch and custodian period."""
    body = service.export_csv(session, recall_id)
    headers = {"Content-Disposition": f'attachment; filename="lotproof-recall-{recall_id}.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
