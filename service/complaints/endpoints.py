"""Complaints: filed from the consumer page (an HTML form) or from programs (JSON), no account;
handled by the batch's owner through ``workflow_router`` (lists, transitions, erasure)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from service.complaints import service, workflow
from service.complaints.schemas import (
    ComplaintCreate,
    ComplaintDetail,
    ComplaintList,
    ComplaintState,
    ComplaintStatus,
    ComplaintTransition,
    OverdueCount,
    PendingReviewList,
    PendingReviewOutcome,
    ReviewDecision,
)
from service.consumer.endpoints import error_response, translator_for, wants_json
from service.consumer.i18n import LANGUAGES
from service.consumer.page import render_complaint_page
from service.db.base import utcnow
from service.deps import (
    MAX_ROW_ID,
    CurrentOrg,
    CurrentSettings,
    DbSession,
    RowId,
    client_address,
)
from service.errors import InvalidInput, LotproofError

router = APIRouter(tags=["complaints"])
workflow_router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])


def get_now() -> datetime:
    """The clock complaints are filed and judged by; tests override it (deadlines, windows)."""
    return utcnow()


Now = Annotated[datetime, Depends(get_now)]


@router.post("/api/v1/complaints", status_code=201, response_model=ComplaintStatus)
def file_complaint_json(
    body: ComplaintCreate,
    request: Request,
    session: DbSession,
    settings: CurrentSettings,
    now: Now,
) -> ComplaintStatus:
    address = client_address(request)
    complaint = service.file_complaint(session, settings, body, address=address, now=now)
    return service.complaint_status(session, complaint.code, settings.public_url)


@router.post("/complaints", response_model=None, include_in_schema=False)
def file_complaint_form(
    request: Request,
    session: DbSession,
    settings: CurrentSettings,
    now: Now,
    link: Annotated[str, Form()] = "",
    category: Annotated[str, Form()] = "",
    description: Annotated[str, Form()] = "",
    contact: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = ComplaintCreate(
            link=link, category=category, description=description, contact=contact or None
        )
        address = client_address(request)
        complaint = service.file_complaint(session, settings, data, address=address, now=now)
    except ValidationError as e:
        field = ".".join(str(p) for p in e.errors()[0]["loc"])
        return error_response(request, InvalidInput(f"{field}: {e.errors()[0]['msg']}"))
    except LotproofError as e:
        return error_response(request, e)
    # Post/redirect/get: a reload of the result page does not file the complaint twice.
    # Only a language we speak goes back into the URL: the field is the sender's to fill.
    query = f"?lang={lang}&filed=1" if lang in LANGUAGES else "?filed=1"
    return RedirectResponse(f"/complaints/{complaint.code}{query}", status_code=303)


@router.get(
    "/complaints/{code}",
    response_model=None,
    summary="Follow a complaint",
    responses={
        200: {
            "description": "The complaint's status: a page for people, JSON for programs",
            "content": {"text/html": {}, "application/json": {}},
        }
    },
)
def complaint_status(
    code: str, request: Request, session: DbSession, settings: CurrentSettings
) -> Response:
    try:
        status = service.complaint_status(session, code, settings.public_url)
    except LotproofError as e:
        return error_response(request, e)
    if wants_json(request):
        return JSONResponse(status.model_dump(mode="json"))
    just_filed = request.query_params.get("filed") == "1"
    page = render_complaint_page(translator_for(request), status, just_filed=just_filed)
    return HTMLResponse(page)


@workflow_router.get("", response_model=ComplaintList, summary="Complaints to handle")
def list_complaints(
    session: DbSession,
    org: CurrentOrg,
    now: Now,
    status: ComplaintState | None = None,
    overdue: Annotated[bool, Query(description="only those past their deadline")] = False,
    cursor: Annotated[int | None, Query(ge=0, le=MAX_ROW_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ComplaintList:
    """A supplier sees complaints on its own batches, an admin every complaint."""
    return service.list_complaints(
        session, org, status=status, overdue=overdue, cursor=cursor, limit=limit, now=now
    )


@workflow_router.get("/overdue/count", response_model=OverdueCount)
def count_overdue(session: DbSession, org: CurrentOrg, now: Now) -> OverdueCount:
    return OverdueCount(overdue=service.count_overdue(session, org, now))


@workflow_router.get(
    "/reviews", response_model=PendingReviewList, summary="Quality alerts awaiting review"
)
def list_reviews(session: DbSession, org: CurrentOrg) -> PendingReviewList:
    """Batches flagged by complaints and not held until the quality desk confirms: a supplier
    sees its own, an admin all."""
    return service.list_under_review(session, org)


@workflow_router.post("/reviews/{batch_id}/confirm", response_model=PendingReviewOutcome)
def confirm_review(
    batch_id: RowId,
    body: ReviewDecision,
    session: DbSession,
    settings: CurrentSettings,
    org: CurrentOrg,
    now: Now,
) -> PendingReviewOutcome:
    """Admin only: hold the batch (an anchored "quality_alert" record; shipping stops)."""
    batch = service.decide_review(session, settings, org, batch_id, body, confirm=True, now=now)
    return PendingReviewOutcome(batch_id=batch.id, on_hold=batch.on_hold_since is not None)


@workflow_router.post("/reviews/{batch_id}/dismiss", response_model=PendingReviewOutcome)
def dismiss_review(
    batch_id: RowId,
    body: ReviewDecision,
    session: DbSession,
    settings: CurrentSettings,
    org: CurrentOrg,
    now: Now,
) -> PendingReviewOutcome:
    """Admin only: drop the flag (an anchored "quality_alert_dismissed" record)."""
    batch = service.decide_review(session, settings, org, batch_id, body, confirm=False, now=now)
    return PendingReviewOutcome(batch_id=batch.id, on_hold=batch.on_hold_since is not None)


@workflow_router.get("/{code}", response_model=ComplaintDetail, summary="One complaint, in full")
def get_complaint(code: str, session: DbSession, org: CurrentOrg, now: Now) -> ComplaintDetail:
    complaint, batch = workflow.get_handled_complaint(session, org, code)
    return service.complaint_detail(complaint, batch, now)


@workflow_router.post("/{code}/transitions", response_model=ComplaintDetail)
def transition(
    code: str, body: ComplaintTransition, session: DbSession, org: CurrentOrg, now: Now
) -> ComplaintDetail:
    """Move the complaint on; appends one "complaint" record to the batch's history."""
    complaint, batch = workflow.transition(session, org, code, body, now=now)
    return service.complaint_detail(complaint, batch, now)


@workflow_router.delete("/{code}/contact", status_code=204, summary="Erase the contact data")
def erase_contact(code: str, session: DbSession, org: CurrentOrg) -> Response:
    workflow.erase_contact(session, org, code)
    return Response(status_code=204)
