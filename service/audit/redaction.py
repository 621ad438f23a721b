"""Redaction (privacy or legal order): erase a record's content and salt, keep its digest."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.db.base import utcnow
from service.db.models import Anchor, AnchorStatus, Organization, OrgRole, Record
from service.errors import Conflict, Forbidden, NotFound


def redact_record(session: Session, org: Organization, record_id: int, reason: str) -> Record:
    """Only admins, and only once the record is anchored: its digest must already be sealed,
    or nothing would prove afterwards that the erased content was ever committed."""
    if org.role != OrgRole.admin:
        raise Forbidden("only admins may redact records")
    record = session.get(Record, record_id)
    if record is None:
        raise NotFound(f"no record {record_id}")
    if record.content is None:
        raise Conflict(f"record {record_id} is already redacted")
    anchor = session.get(Anchor, record.anchor_id) if record.anchor_id is not None else None
    if anchor is None or anchor.status != AnchorStatus.final:
        raise Conflict("a record can be redacted once it is anchored; try again shortly")
    record.content = None
    record.redacted_at = utcnow()
    record.redaction_reason = reason
    session.flush()
    return record
