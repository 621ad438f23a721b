"""Who may record what on a batch, how custody moves, and who may hold or lift a hold.

The owner keeps production-side events; logistics events belong to whoever holds the batch
now; a shipment names its receiver, and custody moves when that receiver records receipt.

Holds: every hold says who set it (``HoldSetter``), and ``may_lift_hold`` is the one rule
for lifting one, whether by a release event or a passing inspection. An owner's own
inspections are self-inspections: they may hold its lot, and lift only a hold the owner set
itself; a hold an inspector, the quality desk (admin) or the system (a confirmed quality
alert) set is lifted only by an inspector or an admin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from service.db.models import Batch, Organization, OrgRole
from service.errors import Conflict, Forbidden, InvalidInput
from service.orgs.repository import OrgRepository
from service.records.epcis import EventType

OWNER_EVENTS = {EventType.production, EventType.packing}
CUSTODIAN_EVENTS = {EventType.shipping, EventType.storage, EventType.temperature}


class HoldSetter(StrEnum):
    """Who put a batch on hold (``Batch.hold_set_by``)."""

    owner = "owner"  # the supplier's own (self-)inspection
    inspector = "inspector"  # an independent inspector's rejection
    admin = "admin"  # the quality desk's rejection
    system = "system"  # a quality alert from complaints, confirmed by the quality desk


# Organisations whose inspections are independent of the supplier, and who lift any hold.
INDEPENDENT_ROLES = frozenset({OrgRole.inspector, OrgRole.admin})


def is_independent(org: Organization) -> bool:
    """An inspection by ``org`` is independent (else it is the owner's self-inspection)."""
    return org.role in INDEPENDENT_ROLES


def setter_of(org: Organization) -> HoldSetter:
    """Who a hold placed by ``org``'s inspection counts as set by."""
    if org.role == OrgRole.admin:
        return HoldSetter.admin
    return HoldSetter.inspector if org.role == OrgRole.inspector else HoldSetter.owner


def may_lift_hold(org: Organization, batch: Batch) -> bool:
    """THE rule for lifting a hold: an inspector or an admin lifts any; the owner only one
    set by its own self-inspection. A hold without a setter (set before setters were kept)
    counts as an inspector's."""
    if is_independent(org):
        return True
    return batch.hold_set_by == HoldSetter.owner and org.id == batch.owner_org_id


def place_hold(batch: Batch, setter: HoldSetter, reason: str, now: datetime) -> None:
    """Hold ``batch`` (or keep it held). A self-inspection never takes over a hold that
    someone else set, since that would let the owner lift it afterwards."""
    held_by_another = batch.on_hold_since is not None and batch.hold_set_by != HoldSetter.owner
    if held_by_another and setter == HoldSetter.owner:
        return
    batch.on_hold_since = batch.on_hold_since or now
    batch.hold_reason = reason
    batch.hold_set_by = setter


def lift_hold(batch: Batch) -> None:
    batch.on_hold_since = None
    batch.hold_reason = None
    batch.hold_set_by = None


def _check_release(org: Organization, batch: Batch) -> None:
    if batch.on_hold_since is None:
        raise Conflict("the batch is not on hold")
    if not may_lift_hold(org, batch):
        raise Forbidden(
            f"the hold was set by {batch.hold_set_by or HoldSetter.inspector}: "
            "only an inspector or an admin releases it"
        )


def custodian_id(batch: Batch) -> int:
    return batch.custodian_org_id if batch.custodian_org_id is not None else batch.owner_org_id


@dataclass(frozen=True)
class Handover:
    """The parties a custody event names (slugs, as they go into the record)."""

    source: str | None = None
    destination: str | None = None
    receiver: Organization | None = None


def check_may_record(org: Organization, batch: Batch, kind: EventType) -> None:
    """Raise Forbidden or Conflict (saying why) unless ``org`` may record a ``kind`` event on
    ``batch`` now."""
    if kind in OWNER_EVENTS and batch.owner_org_id != org.id:
        raise Forbidden(f"only the batch's owner records {kind} events")
    if kind in (EventType.inspection, EventType.release) and not (
        batch.owner_org_id == org.id or org.role in (OrgRole.inspector, OrgRole.admin)
    ):
        raise Forbidden(f"{kind} events are recorded by the owner, an inspector or an admin")
    if kind == EventType.release:
        _check_release(org, batch)
    if kind == EventType.shipping and batch.on_hold_since is not None:
        raise Conflict(f"the batch is on hold ({batch.hold_reason}); it cannot be shipped")
    if kind in CUSTODIAN_EVENTS and custodian_id(batch) != org.id:
        raise Forbidden(f"only the batch's current custodian records {kind} events")


def handover_of(
    session: Session, org: Organization, batch: Batch, kind: EventType, receiver: str | None
) -> Handover:
    """The custody handover a ``kind`` event by ``org`` makes (none for most kinds);
    ``receiver`` is the slug a shipment names."""
    if kind == EventType.shipping:
        assert receiver is not None
        return _shipment(session, org, batch, receiver)
    if kind == EventType.receiving:
        return _receipt(session, org, batch)
    return Handover()


def _shipment(session: Session, org: Organization, batch: Batch, slug: str) -> Handover:
    if batch.in_transit_to_org_id is not None:
        raise Conflict("the batch is already in transit; the receiver must record receipt first")
    receiver = OrgRepository(session).get_by_slug(slug)
    if receiver is None:
        raise InvalidInput(f"no organisation {slug}", field="receiver")
    if receiver.id == org.id:
        raise InvalidInput("a batch cannot be shipped to its own custodian", field="receiver")
    return Handover(source=org.slug, destination=receiver.slug, receiver=receiver)


def _receipt(session: Session, org: Organization, batch: Batch) -> Handover:
    if batch.in_transit_to_org_id != org.id:
        raise Forbidden("only the organisation the batch was shipped to records its receipt")
    sender = OrgRepository(session).get_by_id(custodian_id(batch))
    assert sender is not None
    return Handover(source=sender.slug, destination=org.slug)


def apply_handover(batch: Batch, org: Organization, kind: EventType, handover: Handover) -> None:
    """After the record is written: shipping puts the batch in transit, receipt moves custody."""
    if kind == EventType.shipping and handover.receiver is not None:
        batch.in_transit_to_org_id = handover.receiver.id
    elif kind == EventType.receiving:
        batch.custodian_org_id = org.id
        batch.in_transit_to_org_id = None
