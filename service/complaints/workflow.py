"""Handling a complaint: received -> acknowledged -> investigating -> resolved | rejected.

Every state, including "received" at filing, is one record in the batch's history (event
type "complaint"), so how a producer handled a report is anchored with the batch. Records
carry the tracking code, category, status, the handler's reason and evidence digests, and a
sha256 of the description: never the description itself or the contact, which stay in the
complaints table where they can be erased.

Allowed moves (``TRANSITIONS``): a complaint must be acknowledged before it can be resolved,
so the shopper always gets a first response; it can be rejected (spam, not our product) at
any open state. Resolved and rejected are final.

Who acted: the filing is recorded as the public (``lotproof:public``: the shopper has no
organisation), each transition as the organisation that made it. Every state is also a row of
``complaint_steps``, the history the tracking page shows. A suspected fake reported from a
code that names no registered product has no batch: the platform's admins handle it, and its
steps are its only trace (there is no history to anchor them in).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.batches.repository import BatchRepository
from service.complaints.repository import ComplaintRepository
from service.complaints.schemas import (
    TRACKING_CODE_PATTERN,
    ComplaintCategory,
    ComplaintPriority,
    ComplaintState,
    ComplaintTransition,
)
from service.config import Settings
from service.db.base import utcnow
from service.db.models import Batch, Complaint, Organization, OrgRole
from service.db.models.complaints import ComplaintStep
from service.errors import Conflict, Forbidden, NotFound
from service.records.actors import THE_PUBLIC, Actor
from service.records.epcis import complaint_event
from service.records.evidence import EVIDENCE, checked_evidence
from service.records.writer import NewRecord, append_record

COMPLAINT_EVENT_TYPE = "complaint"
TRACKING_CODE = re.compile(TRACKING_CODE_PATTERN)
FILED_REASON = "filed by a consumer"

S = ComplaintState
TRANSITIONS: dict[ComplaintState, frozenset[ComplaintState]] = {
    S.received: frozenset({S.acknowledged, S.rejected}),
    S.acknowledged: frozenset({S.investigating, S.resolved, S.rejected}),
    S.investigating: frozenset({S.resolved, S.rejected}),
    S.resolved: frozenset(),
    S.rejected: frozenset(),
}


# Reports that may mean someone gets hurt: answered first, within hours rather than days.
URGENT_CATEGORIES = frozenset({ComplaintCategory.safety})


def priority_of(category: str) -> ComplaintPriority:
    urgent = category in URGENT_CATEGORIES
    return ComplaintPriority.urgent if urgent else ComplaintPriority.normal


def response_deadline(created_at: datetime, category: str, settings: Settings) -> datetime:
    """When a first response is due: hours for an urgent report, days for the others."""
    if priority_of(category) == ComplaintPriority.urgent:
        return created_at + timedelta(hours=settings.complaint_safety_response_hours)
    return created_at + timedelta(days=settings.complaint_response_days)


def is_overdue(complaint: Complaint, now: datetime) -> bool:
    """Still waiting for its first response after the deadline (the deadline itself is in time)."""
    return complaint.first_response_at is None and now > complaint.deadline_at


def find_complaint(session: Session, code: str, *, for_update: bool = False) -> Complaint:
    """The complaint with tracking code ``code`` (any case), or NotFound. The error never
    repeats ``code``: it is the caller's text, shown on a page warning of counterfeits."""
    complaint = None
    if TRACKING_CODE.fullmatch(code):
        complaint = ComplaintRepository(session).get_by_code(code.upper(), for_update=for_update)
    if complaint is None:
        raise NotFound("no complaint with this tracking code")
    return complaint


def get_handled_complaint(
    session: Session, org: Organization, code: str, *, for_update: bool = False
) -> tuple[Complaint, Batch | None]:
    """The complaint and its batch (None: a suspected fake of an unregistered code), if
    ``org`` handles it: the batch's owner, or an admin (the only handlers of a complaint
    without a batch). ``for_update``: the complaint row locked until the transaction ends."""
    complaint = find_complaint(session, code, for_update=for_update)
    batch = None
    if complaint.batch_id is not None:
        batch = BatchRepository(session).get_by_id(complaint.batch_id)
        assert batch is not None
    if org.role != OrgRole.admin and (batch is None or batch.owner_org_id != org.id):
        raise Forbidden("complaints are handled by the batch's owner (or an admin)")
    return complaint, batch


def transition(
    session: Session,
    org: Organization,
    code: str,
    data: ComplaintTransition,
    *,
    now: datetime | None = None,
) -> tuple[Complaint, Batch | None]:
    """Move a complaint to ``data.status``, in ``org``'s name, and append the record saying so."""
    now = now or utcnow()
    # Locked, so that of two concurrent moves from one state only the first succeeds.
    complaint, batch = get_handled_complaint(session, org, code, for_update=True)
    current = ComplaintState(complaint.status)
    if data.status not in TRANSITIONS[current]:
        raise Conflict(f"a complaint cannot go from {current} to {data.status}")
    evidence = checked_evidence(session, data.evidence, EVIDENCE)
    complaint.status = data.status
    if complaint.first_response_at is None:
        complaint.first_response_at = now
    record_state(session, batch, org, complaint, reason=data.reason, evidence=evidence, now=now)
    session.flush()
    return complaint, batch


def record_filed(
    session: Session, batch: Batch | None, complaint: Complaint, now: datetime
) -> None:
    """The "received" state, made when the complaint is filed: by the public, the shopper."""
    record_state(session, batch, THE_PUBLIC, complaint, reason=FILED_REASON, evidence=[], now=now)


def record_state(
    session: Session,
    batch: Batch | None,
    actor: Actor,
    complaint: Complaint,
    *,
    reason: str,
    evidence: list[str],
    now: datetime,
) -> None:
    """The complaint's current state as a step, and (with a batch) as a record in its history."""
    repo = ComplaintRepository(session)
    repo.add_step(
        ComplaintStep(
            complaint_id=complaint.id,
            status=complaint.status,
            reason=reason,
            at=now,
            actor_org_id=actor.id,
        )
    )
    if batch is None:
        return
    # The unit's serial when filed from a unit link: the report is about that very item.
    serial = repo.serial_of_unit(complaint.unit_id) if complaint.unit_id is not None else None
    event = complaint_event(
        at=now,
        code=complaint.code,
        category=complaint.category,
        status=complaint.status,
        reason=reason,
        evidence=evidence,
        description=complaint.description,
        serial=serial,
    )
    append_record(session, batch, NewRecord(event, COMPLAINT_EVENT_TYPE, now, actor))


def erase_contact(session: Session, org: Organization, code: str) -> None:
    """Forget the shopper's contact details (GDPR erasure); records never held them."""
    complaint, _ = get_handled_complaint(session, org, code)
    complaint.contact = None
    session.flush()
