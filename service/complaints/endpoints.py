"""Complaints: filed by programs (JSON), no account; handled by the batch's owner through
``workflow_router`` (lists, transitions, erasure). The shopper's form and the page that
follows a complaint are consumer pages (``service.consumer.complaints``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

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
from service.db.base import utcnow
from service.deps import (
    MAX_ROW_ID,
    CurrentOrg,
    CurrentSettings,
    DbSession,
    RowId,
    client_address,
)

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
