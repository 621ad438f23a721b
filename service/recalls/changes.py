"""Changing a recall after it was issued: new words, or closing it. Each change is a record in
every batch the recall reached, so each version of its words stays anchored; the recall's row
holds the current ones (``service.recalls.service`` reads them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from service.db.base import utcnow
from service.db.models import Organization, OrgRole, Recall, RecallBatch
from service.db.models.recalls import RecallStatus
from service.errors import Conflict, Forbidden, NotFound
from service.recalls.repository import RecallRepository
from service.recalls.schemas import RecallClose, RecallUpdate
from service.recalls.service import refresh_flag
from service.records.epcis import LotQuantity, recall_closed_event, recall_updated_event
from service.records.writer import NewRecord, append_record, lock_batches

UPDATED_EVENT_TYPE = "recall_updated"
CLOSED_EVENT_TYPE = "recall_closed"
# As for issuing one: inspectors and admins may recall any batch, so they may change any
# recall; a supplier only the recalls it issued (never a regulator's recall of its lot).
_MAY_CHANGE_ANY = {OrgRole.inspector, OrgRole.admin}


def update_recall(
    session: Session, org: Organization, recall_id: int, data: RecallUpdate
) -> Recall:
    """New class, reason or instructions for an open recall, recorded in each batch."""
    recall = _open_recall(session, org, recall_id, "updated")
    if data.severity is not None:
        recall.severity = data.severity.value
    if data.reason is not None:
        recall.reason = data.reason
    if data.instructions is not None:
        recall.instructions = data.instructions
    recall.updated_at = now = utcnow()

    def event(lot: LotQuantity, entry: RecallBatch) -> dict[str, Any]:
        return recall_updated_event(
            at=now,
            lot=lot,
            recall_id=recall.id,
            severity=recall.severity,
            reason=recall.reason,
            instructions=recall.instructions,
            via=entry.via,
        )

    _record_everywhere(session, org, recall, NewChange(UPDATED_EVENT_TYPE, now, event))
    return recall


def close_recall(session: Session, org: Organization, recall_id: int, data: RecallClose) -> Recall:
    """Close an open recall (lifted or completed), recorded in each batch; a batch no longer
    recalled by any recall in force loses its flag."""
    recall = _open_recall(session, org, recall_id, "closed")
    now = utcnow()
    recall.status = RecallStatus.closed.value
    recall.outcome = data.outcome.value
    recall.close_reason = data.reason
    recall.closed_at = recall.updated_at = now

    def event(lot: LotQuantity, entry: RecallBatch) -> dict[str, Any]:
        return recall_closed_event(
            at=now,
            lot=lot,
            recall_id=recall.id,
            outcome=data.outcome.value,
            reason=data.reason,
            via=entry.via,
        )

    _record_everywhere(session, org, recall, NewChange(CLOSED_EVENT_TYPE, now, event))
    return recall


def _open_recall(session: Session, org: Organization, recall_id: int, change: str) -> Recall:
    """The recall, locked, once the caller may change it and it is still open."""
    recall = RecallRepository(session).get_by_id(recall_id, lock=True)
    if recall is None:
        raise NotFound(f"no recall {recall_id}")
    if org.role not in _MAY_CHANGE_ANY and recall.created_by_org_id != org.id:
        raise Forbidden(
            f"only the organisation that issued recall {recall_id}, an inspector or an admin "
            f"may change it"
        )
    if recall.status != RecallStatus.open:
        raise Conflict(f"recall {recall_id} is closed and cannot be {change}")
    return recall


@dataclass(frozen=True)
class NewChange:
    """A change to record: its kind, when, and its event for one batch the recall reached."""

    event_type: str
    at: datetime
    event: Callable[[LotQuantity, RecallBatch], dict[str, Any]]


def _record_everywhere(
    session: Session, org: Organization, recall: Recall, change: NewChange
) -> None:
    """One record of the change in each batch the recall reached, then each batch's flag."""
    entries = RecallRepository(session).list_entries(recall.id)
    batches = lock_batches(session, [entry.batch_id for entry in entries])
    for entry in entries:
        batch = batches[entry.batch_id]
        event = change.event(LotQuantity.whole(batch), entry)
        append_record(session, batch, NewRecord(event, change.event_type, change.at, org))
    session.flush()  # the recall's new state, before the flags are read from it
    for batch in batches.values():
        refresh_flag(session, batch)
