"""Admins suspend an organisation (its keys stop writing) and lift the suspension.

Both decisions are records in the organisation's own anchored history (format v2), so a
suspension cannot be quietly dropped or back-dated: the trail at ``/api/v1/orgs/{id}/audit``
shows each one with its verdict. Reading stays possible while suspended (a supplier can still
see its complaints and trails); every write is refused in ``service.deps.get_current_org``.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.db.base import utcnow
from service.db.models import Organization, OrgRole, Record
from service.errors import Conflict, Forbidden, NotFound
from service.orgs.repository import OrgRepository
from service.records.org_events import suspension_event
from service.records.writer import NewRecord, append_org_record

SUSPENDED = "suspended"
REINSTATED = "reinstated"


def _target(session: Session, admin: Organization, org_id: int) -> Organization:
    if admin.role != OrgRole.admin:
        raise Forbidden("only admins suspend organisations or lift a suspension")
    org = OrgRepository(session).get_by_id(org_id)
    if org is None:
        raise NotFound(f"no organisation {org_id}")
    if org.role == OrgRole.admin:
        raise Forbidden("admin organisations cannot be suspended")
    return org


def suspend(session: Session, admin: Organization, org_id: int, reason: str) -> Record:
    """Suspend ``org_id``; the record that says so. 409 when it is already suspended."""
    org = _target(session, admin, org_id)
    if org.suspended_at is not None:
        raise Conflict(f"organisation '{org.slug}' is already suspended")
    now = utcnow()
    record = _record(session, org, admin, "suspend", reason, SUSPENDED)
    org.suspended_at, org.suspension_reason = now, reason
    session.flush()
    return record


def lift_suspension(session: Session, admin: Organization, org_id: int, reason: str) -> Record:
    """Lift the suspension of ``org_id``; 409 when it is not suspended."""
    org = _target(session, admin, org_id)
    if org.suspended_at is None:
        raise Conflict(f"organisation '{org.slug}' is not suspended")
    record = _record(session, org, admin, "lift", reason, REINSTATED)
    org.suspended_at, org.suspension_reason = None, None
    session.flush()
    return record


def _record(
    session: Session,
    org: Organization,
    admin: Organization,
    action: str,
    reason: str,
    event_type: str,
) -> Record:
    now = utcnow()
    event = suspension_event(at=now, action=action, reason=reason)
    return append_org_record(session, org, NewRecord(event, event_type, now, admin))
