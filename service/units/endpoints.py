from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import RootModel

from service.deps import MAX_ROW_ID, CurrentOrg, CurrentSettings, DbSession, IdempotencyKey, RowId
from service.errors import NotFound
from service.idempotency import run_idempotent
from service.labels.sheet import render_label_sheet
from service.units import service
from service.units.schemas import SerialsCreate, UnitList, UnitRead

router = APIRouter(prefix="/api/v1/batches", tags=["units"])


@router.post("/{batch_id}/serials", status_code=201, response_model=list[UnitRead])
def commission_serials(
    batch_id: RowId,
    body: SerialsCreate,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    settings: CurrentSettings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def produce() -> RootModel[list[UnitRead]]:
        units = service.commission_serials(session, org, batch_id, body.count, settings.public_url)
        return RootModel[list[UnitRead]](units)

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=201,
        produce=produce,
    )


@router.get("/{batch_id}/serials", response_model=UnitList)
def list_units(
    batch_id: RowId,
    org: CurrentOrg,
    session: DbSession,
    settings: CurrentSettings,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> UnitList:
    return service.list_units(
        session, org, batch_id, settings.public_url, cursor=cursor, limit=limit
    )


@router.get("/{batch_id}/serials/labels.pdf", response_class=Response)
def get_unit_labels(
    batch_id: RowId,
    org: CurrentOrg,
    session: DbSession,
    settings: CurrentSettings,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=2400)] = 240,
) -> Response:
    """Label sheets for a range of the batch's units: QR, GTIN, lot and serial on each."""
    labels = service.unit_labels(
        session, org, batch_id, settings.public_url, cursor=cursor, limit=limit
    )
    if not labels:
        raise NotFound("no units in this range; commission serials first")
    pdf = render_label_sheet(labels, font=settings.pdf_font)
    headers = {"Content-Disposition": f'inline; filename="unit-labels-{batch_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
