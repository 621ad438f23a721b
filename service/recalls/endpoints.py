from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from service.deps import CurrentOrg, DbSession, IdempotencyKey, RowId
from service.idempotency import run_idempotent
from service.recalls import changes, service
from service.recalls.schemas import RecallClose, RecallCreate, RecallRead, RecallUpdate

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


@router.patch("/{recall_id}", response_model=RecallRead)
def update_recall(
    recall_id: RowId,
    body: RecallUpdate,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """New class, reason or instructions for an open recall (its issuer, an inspector or an
    admin); one record in each batch it reached, the earlier words staying in the records."""

    def produce() -> RecallRead:
        changes.update_recall(session, org, recall_id, body)
        return service.recall_read(session, recall_id)

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=200,
        produce=produce,
    )


@router.post("/{recall_id}/close", response_model=RecallRead)
def close_recall(
    recall_id: RowId,
    body: RecallClose,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Close an open recall (its issuer, an inspector or an admin): ``lifted`` ends the recall
    of its lots, ``completed`` keeps them recalled; one record in each batch it reached."""

    def produce() -> RecallRead:
        changes.close_recall(session, org, recall_id, body)
        return service.recall_read(session, recall_id)

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=200,
        produce=produce,
    )


@router.get("/{recall_id}/export.csv", response_class=Response)
def export_recall(recall_id: RowId, org: CurrentOrg, session: DbSession) -> Response:
    """The spreadsheet regulators ask for: one row per affected batch and custodian period."""
    body = service.export_csv(session, recall_id)
    headers = {"Content-Disposition": f'attachment; filename="lotproof-recall-{recall_id}.csv"'}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)
