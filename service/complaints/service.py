"""Complaints filed from the consumer page, without an account.

Intake and the handler's lists live here; the handling workflow (acknowledge, investigate,
resolve, each an anchored record) is in workflow.py and quality alerts in alerts.py. Contact
details stay in this table, never in records, so they can be erased.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service import notifications
from service.batches.repository import BatchRepository
from service.complaints import alerts, workflow
from service.complaints.repository import ComplaintRepository
from service.complaints.schemas import (
    ComplaintBatch,
    ComplaintCategory,
    ComplaintCount,
    ComplaintCreate,
    ComplaintDetail,
    ComplaintItem,
    ComplaintList,
    ComplaintState,
    ComplaintStatus,
    ComplaintStep,
    ComplaintSummary,
    PendingReview,
    PendingReviewList,
    ReviewDecision,
)
from service.config import Settings
from service.db.base import utcnow
from service.db.models import Batch, Complaint, Organization, OrgRole
from service.errors import Forbidden, InvalidInput, LotproofError
from service.gs1 import LinkPathError, digital_link, parse_link_path
from service.records.writer import lock_batch
from service.units.repository import UnitRepository
from service.units.scans import source_of
from service.webhooks.service import enqueue


class TooManyComplaints(LotproofError):
    status_code = 429
    title = "Too many requests"


def new_tracking_code() -> str:
    """Twelve base32 characters (60 random bits) in groups of four: easy to read out."""
    raw = base64.b32encode(secrets.token_bytes(8)).decode()[:12]
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def file_complaint(
    session: Session,
    settings: Settings,
    data: ComplaintCreate,
    *,
    address: str | None,
    now: datetime | None = None,
) -> Complaint:
    """Store the report, record it as "received" and check the batch's quality alert."""
    now = now or utcnow()
    batch_id, unit_id = _target_of(session, data)
    source = source_of(session, settings, address)
    repo = ComplaintRepository(session)
    # Counted and stored under the source's lock: concurrent filings cannot all see room.
    repo.lock_source(source)
    since = now - timedelta(hours=1)
    if repo.count_from_source_since(source, since) >= settings.complaints_per_source_per_hour:
        raise TooManyComplaints("too many reports from your network in the last hour; try later")
    complaint = Complaint(
        code=new_tracking_code(),
        batch_id=batch_id,
        unit_id=unit_id,
        category=data.category,
        description=data.description.strip(),
        contact=(data.contact or "").strip() or None,
        source=source,
        created_at=now,
        deadline_at=workflow.response_deadline(now, data.category, settings),
        link=data.link,
    )
    repo.add(complaint)
    if batch_id is None:
        workflow.record_filed(session, None, complaint, now)
        _tell_the_admins(session, complaint)
        session.flush()
        return complaint
    # Locked: two filings at once must not both flag the batch for review.
    batch = lock_batch(session, batch_id)
    workflow.record_filed(session, batch, complaint, now)
    notifications.complaint_received(session, batch, complaint.code, complaint.category)
    alerts.evaluate_batch(session, settings, batch, now)
    session.flush()
    return complaint


def _target_of(session: Session, data: ComplaintCreate) -> tuple[int | None, int | None]:
    """(batch id, unit id) the report is about; (None, None) for a suspected fake of a code
    that names no registered product, the only report accepted for such a code."""
    try:
        return _batch_of_link(session, data.link)
    except InvalidInput:
        if data.category == ComplaintCategory.counterfeit:
            return None, None
        raise


def _tell_the_admins(session: Session, complaint: Complaint) -> None:
    """A report without a batch has no supplier to hear of it: the admins do."""
    payload = {
        "batch_id": None,
        "gtin": None,
        "lot": None,
        "code": complaint.code,
        "category": complaint.category,
        "link": complaint.link,
    }
    admins = ComplaintRepository(session).admin_org_ids()
    enqueue(session, "complaint.received", payload, org_ids=admins)


def _batch_of_link(session: Session, link: str) -> tuple[int, int | None]:
    """(batch id, unit id) of a Digital Link path; InvalidInput if nothing is registered."""
    try:
        key, _ = parse_link_path(link)
    except LinkPathError as e:
        raise InvalidInput(str(e), field="link") from None
    unit = UnitRepository(session).get_by_gtin_serial(key.gtin, key.serial) if key.serial else None
    batch_id = unit.batch_id if unit is not None else None
    if key.lot is not None:
        batch = BatchRepository(session).get_by_gtin_lot(key.gtin, key.lot)
        batch_id = batch.id if batch is not None and batch_id in (None, batch.id) else None
    if batch_id is None:
        raise InvalidInput(
            "no registered product at this link (only a suspected fake, category counterfeit, "
            "can be reported for it)",
            field="link",
        )
    return batch_id, unit.id if unit is not None else None


def complaint_status(session: Session, code: str, public_url: str) -> ComplaintStatus:
    complaint = workflow.find_complaint(session, code)
    link = None
    if complaint.batch_id is not None:
        batch = BatchRepository(session).get_by_id(complaint.batch_id)
        assert batch is not None
        link = digital_link(public_url, batch.gtin, batch.lot)
    steps = ComplaintRepository(session).list_steps(complaint.id)
    return ComplaintStatus(
        code=complaint.code,
        status=ComplaintState(complaint.status),
        category=ComplaintCategory(complaint.category),
        priority=workflow.priority_of(complaint.category),
        description=complaint.description,
        link=link,
        created_at=complaint.created_at,
        deadline=complaint.deadline_at,
        history=[
            ComplaintStep(status=ComplaintState(s.status), reason=s.reason, at=s.at, by=name)
            for s, name in steps
        ],
    )


def public_summary(session: Session, batch: Batch) -> ComplaintSummary:
    """A lot's complaints counted by category and by status, for the consumer page."""
    counts = ComplaintRepository(session).count_by_category_status(batch.id)
    groups = [
        ComplaintCount(category=c, status=s, count=counts[c, s])
        for c in ComplaintCategory
        for s in ComplaintState
        if (c, s) in counts
    ]
    by_category = {c: sum(g.count for g in groups if g.category == c) for c in ComplaintCategory}
    by_status = {s: sum(g.count for g in groups if g.status == s) for s in ComplaintState}
    return ComplaintSummary(
        total=sum(g.count for g in groups),
        by_category={c: n for c, n in by_category.items() if n},
        by_status={s: n for s, n in by_status.items() if n},
        groups=groups,
    )


def _handler_scope(org: Organization) -> int | None:
    """Whose batches' complaints ``org`` may list: its own (supplier), all (admin, None)."""
    if org.role == OrgRole.admin:
        return None
    if org.role == OrgRole.supplier:
        return org.id
    raise Forbidden("complaint lists are for the batches' suppliers and admins")


def complaint_item(complaint: Complaint, batch: Batch | None, now: datetime) -> ComplaintItem:
    return ComplaintItem(
        code=complaint.code,
        batch=ComplaintBatch(gtin=batch.gtin, lot=batch.lot) if batch is not None else None,
        link=complaint.link,
        category=ComplaintCategory(complaint.category),
        priority=workflow.priority_of(complaint.category),
        status=ComplaintState(complaint.status),
        created_at=complaint.created_at,
        deadline=complaint.deadline_at,
        overdue=workflow.is_overdue(complaint, now),
        first_response_at=complaint.first_response_at,
    )


def complaint_detail(complaint: Complaint, batch: Batch | None, now: datetime) -> ComplaintDetail:
    item = complaint_item(complaint, batch, now)
    return ComplaintDetail(
        **item.model_dump(), description=complaint.description, contact=complaint.contact
    )


def list_complaints(
    session: Session,
    org: Organization,
    *,
    status: ComplaintState | None,
    overdue: bool,
    cursor: int | None,
    limit: int,
    now: datetime | None = None,
) -> ComplaintList:
    now = now or utcnow()
    rows = ComplaintRepository(session).list_for_handler(
        _handler_scope(org),
        status=status,
        overdue_at=now if overdue else None,
        after=cursor,
        limit=limit + 1,
    )
    page = rows[:limit]
    return ComplaintList(
        items=[complaint_item(c, b, now) for c, b in page],
        next_cursor=page[-1][0].id if len(rows) > limit else None,
    )


def count_overdue(session: Session, org: Organization, now: datetime | None = None) -> int:
    return ComplaintRepository(session).count_overdue(_handler_scope(org), now or utcnow())


def list_under_review(session: Session, org: Organization) -> PendingReviewList:
    """Quality alerts waiting for the quality desk: a supplier's own batches, or all (admin)."""
    batches = ComplaintRepository(session).list_under_review(_handler_scope(org))
    return PendingReviewList(
        items=[
            PendingReview(
                batch_id=b.id,
                gtin=b.gtin,
                lot=b.lot,
                since=b.review_since,
                reason=b.review_reason or "",
            )
            for b in batches
            if b.review_since is not None
        ]
    )


def decide_review(
    session: Session,
    settings: Settings,
    org: Organization,
    batch_id: int,
    data: ReviewDecision,
    *,
    confirm: bool,
    now: datetime | None = None,
) -> Batch:
    """The quality desk confirms (the batch is held) or dismisses a batch's quality alert."""
    alerts.require_desk(org)  # before taking the batch's lock
    now = now or utcnow()
    batch = lock_batch(session, batch_id)
    alerts.decide(session, settings, org, batch, data.reason, now, confirm=confirm)
    session.flush()
    return batch
