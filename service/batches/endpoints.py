from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from service.batches import service
from service.batches.labels import MAX_COPIES, LabelSheetCache
from service.batches.qr import qr_png, qr_svg
from service.batches.schemas import BatchCreate, BatchRead
from service.deps import CurrentOrg, CurrentSettings, DbSession, IdempotencyKey, RowId
from service.gs1 import digital_link
from service.idempotency import run_idempotent
from service.labels.sheet import Label, render_label_sheet
from service.records.window import EventTimeWindow

router = APIRouter(prefix="/api/v1/batches", tags=["batches"])


@router.post("", status_code=201, response_model=BatchRead)
def create_batch(
    body: BatchCreate,
    request: Request,
    org: CurrentOrg,
    session: DbSession,
    settings: CurrentSettings,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    def produce() -> BatchRead:
        window = EventTimeWindow.from_settings(settings)
        batch = service.create_batch(session, org, body, window)
        return service.batch_read(session, batch, settings.public_url)

    return run_idempotent(
        session,
        org=org,
        key=idempotency_key,
        request=request,
        body=body,
        status_code=201,
        produce=produce,
    )


@router.get("/{batch_id}", response_model=BatchRead)
def get_batch(
    batch_id: RowId, org: CurrentOrg, session: DbSession, settings: CurrentSettings
) -> BatchRead:
    batch = service.get_readable_batch(session, org, batch_id)
    return service.batch_read(session, batch, settings.public_url)


@router.get("/{batch_id}/qr.png", response_class=Response)
def get_batch_qr_png(
    batch_id: RowId, org: CurrentOrg, session: DbSession, settings: CurrentSettings
) -> Response:
    batch = service.get_readable_batch(session, org, batch_id)
    png = qr_png(digital_link(settings.public_url, batch.gtin, batch.lot))
    return Response(png, media_type="image/png")


@router.get("/{batch_id}/qr.svg", response_class=Response)
def get_batch_qr_svg(
    batch_id: RowId, org: CurrentOrg, session: DbSession, settings: CurrentSettings
) -> Response:
    batch = service.get_readable_batch(session, org, batch_id)
    svg = qr_svg(digital_link(settings.public_url, batch.gtin, batch.lot))
    return Response(svg, media_type="image/svg+xml")


@router.get("/{batch_id}/labels.pdf", response_class=Response)
def get_batch_labels(
    batch_id: RowId,
    org: CurrentOrg,
    session: DbSession,
    settings: CurrentSettings,
    sheets: LabelSheetCache,
    copies: Annotated[int, Query(ge=1, le=MAX_COPIES, description="How many labels")] = 24,
) -> Response:
    """A printable A4 sheet of the batch's QR label (GTIN and lot under each code).

    For those taking part in the batch, like every read by id; a render is CPU-heavy, so it
    is bounded too (``service.batches.labels``): served from a cache keyed by what it
    prints, and rendered by a few requests at a time."""
    batch = service.get_readable_batch(session, org, batch_id)
    name = service.batch_read(session, batch, settings.public_url).product_name
    url = digital_link(settings.public_url, batch.gtin, batch.lot)
    label = Label(url=url, gtin=batch.gtin, lot=batch.lot, product_name=name)
    font = settings.pdf_font
    pdf = sheets.sheet((label, copies), lambda: render_label_sheet([label] * copies, font=font))
    headers = {"Content-Disposition": f'inline; filename="labels-{batch.gtin}-{batch_id}.pdf"'}
    return Response(pdf, media_type="application/pdf", headers=headers)
