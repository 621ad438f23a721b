"""Who really acted on each record, read from what it contains (docs/design.md §2.9).

A record's ``actor`` is what was hashed and anchored: an organisation's slug, or a reserved
actor (``service.records.actors``). Records anchored before the reserved actors existed name
an organisation where nobody from it acted; they cannot change, so they are read from their
content instead:

- a complaint's filing (``lp:complaint`` with status "received") was kept in the lot owner's
  name: it was filed by a member of the public;
- a quality alert without the desk's review (``lp:alert`` without ``review``) was raised by
  the service when complaints crossed the thresholds, and kept in the owner's name: it was
  the service applying its rule. An alert with a review is the quality desk's decision and
  names the admin organisation that took it.

``actor_kind`` (set when a record is verified) says which; ``name_actors`` adds the names
people read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from service.custody.rules import is_independent
from service.orgs.repository import OrgRepository
from service.records.actors import PUBLIC, SERVICE
from service.records.epcis import EventType
from service.verdicts.schemas import ActorKind, RecordVerification

# The event types the legacy reading applies to (service/complaints: workflow, alerts).
_COMPLAINT = "complaint"
_QUALITY_ALERT = "quality_alert"


def actor_kind(actor: str | None, event_type: str, event: Mapping[str, Any]) -> ActorKind:
    """Who acted on a record whose content names ``actor`` and holds ``event``."""
    if actor == PUBLIC:
        return "public"
    if actor == SERVICE:
        return "service"
    if event_type == _COMPLAINT and _is_filing(event):
        return "public"
    if event_type == _QUALITY_ALERT and _is_automatic_alert(event):
        return "service"
    return "organisation"


def name_actors(session: Session, records: Sequence[RecordVerification]) -> None:
    """Fill each record's ``actor_name`` (the organisation's display name; None for the
    public, the service, or a slug no organisation has) and, for inspections, whether the
    inspector is independent of the supplier."""
    slugs = {r.actor for r in records if r.actor and r.actor_kind == "organisation"}
    orgs = OrgRepository(session).by_slugs(slugs) if slugs else {}
    for record in records:
        org = orgs.get(record.actor or "") if record.actor_kind == "organisation" else None
        record.actor_name = org.name if org is not None else None
        if record.actor_kind != "organisation":
            # No organisation made it, so none owed a signature: an older filing kept in the
            # owner's name is not "unsigned" even if the owner signs its own records.
            record.signature_missing = False
        if record.type == EventType.inspection and org is not None:
            record.independent_inspection = is_independent(org)


def _is_filing(event: Mapping[str, Any]) -> bool:
    complaint = event.get("lp:complaint")
    return isinstance(complaint, dict) and complaint.get("status") == "received"


def _is_automatic_alert(event: Mapping[str, Any]) -> bool:
    alert = event.get("lp:alert")
    return isinstance(alert, dict) and "review" not in alert
