"""Every event a record holds, built here and nowhere else (docs/design.md §2.6).

Batch events are GS1 EPCIS 2.0 events (CBV 2.0 bare-word vocabulary) with Lotproof's own
members under ``lp:``; organisation events (``service.records.org_events``) are shaped like
them. Each kind has one builder, so two producers of one kind cannot drift apart, and the
table in §2.6 can be checked against these two modules alone. What a builder returns is
hashed as it is: changing a builder changes new records' content, never old ones', and must
be reflected in §2.6.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from service.db.models import Batch
from service.gs1 import digital_link

GS1_RESOLVER = "https://id.gs1.org"


class EventType(StrEnum):
    production = "production"
    packing = "packing"
    inspection = "inspection"
    shipping = "shipping"
    receiving = "receiving"
    storage = "storage"
    temperature = "temperature"
    release = "release"  # lifts a hold (after a failed inspection), with a reason


# (action, bizStep, disposition) per type. Production brings the lot into existence (ADD);
# everything after observes it.
_VOCABULARY: dict[EventType, tuple[str, str, str]] = {
    EventType.production: ("ADD", "commissioning", "active"),
    EventType.packing: ("OBSERVE", "packing", "in_progress"),
    EventType.inspection: ("OBSERVE", "inspecting", "in_progress"),
    EventType.shipping: ("OBSERVE", "shipping", "in_transit"),
    EventType.receiving: ("OBSERVE", "receiving", "in_progress"),
    EventType.storage: ("OBSERVE", "storing", "in_progress"),
    EventType.temperature: ("OBSERVE", "sensor_reporting", "in_progress"),
    EventType.release: ("OBSERVE", "inspecting", "active"),
}


def party_urn(slug: str) -> str:
    """How a record names an organisation in EPCIS source/destination lists."""
    return f"urn:lotproof:org:{slug}"


def format_utc_ms(moment: datetime) -> str:
    """``2026-11-02T08:00:00.000Z``: UTC, millisecond precision, as the record format fixes."""
    utc = moment.astimezone(UTC)
    if utc.year >= 1000:
        # isoformat is the same text (ending "+00:00" for UTC) at half strftime's cost.
        return utc.isoformat(timespec="milliseconds")[:-6] + "Z"
    # strftime's %Y does not pad years below 1000; records made so keep that form.
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def format_offset(moment: datetime) -> str:
    offset = moment.utcoffset()
    assert offset is not None, "event times are timezone-aware"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True)
class LotQuantity:
    """An amount of one lot, as a quantity element names it."""

    gtin: str
    lot: str
    quantity: float
    uom: str  # unit of measure (UN/ECE Rec 20 code)

    @classmethod
    def whole(cls, batch: Batch) -> LotQuantity:
        """All of a batch."""
        return cls(batch.gtin, batch.lot, batch.quantity, batch.uom)

    def element(self) -> dict[str, Any]:
        return {
            "epcClass": epc_class(self.gtin, self.lot),
            "quantity": self.quantity,
            "uom": self.uom,
        }


@functools.lru_cache(maxsize=4096)
def epc_class(gtin: str, lot: str) -> str:
    """The lot's class in records: its Digital Link on GS1's resolver (not the instance's).
    Cached because every event of a lot names it, thousands at once in a bulk import."""
    return digital_link(GS1_RESOLVER, gtin, lot)


def common_members(event_type: str, at: datetime) -> dict[str, Any]:
    """What every event starts with: its type and when it happened (UTC, and the offset)."""
    return {
        "type": event_type,
        "eventTime": format_utc_ms(at),
        "eventTimeZoneOffset": format_offset(at),
    }


def object_event(
    *,
    event_type: EventType,
    event_time: datetime,
    lot: LotQuantity,
    location: str,
    details: dict[str, Any],
    source: str | None = None,
    destination: str | None = None,
    temperature_c: float | None = None,
    inspection: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An event recorded through the events API (supplier, custody, inspection, release);
    ``source``/``destination`` are org slugs of a custody handover."""
    action, biz_step, disposition = _VOCABULARY[event_type]
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": format_utc_ms(event_time),
        "eventTimeZoneOffset": format_offset(event_time),
        "action": action,
        "bizStep": biz_step,
        "disposition": disposition,
        "quantityList": [lot.element()],
        "lp:location": location,
    }
    if source is not None:
        event["sourceList"] = [{"type": "possessing_party", "source": party_urn(source)}]
    if destination is not None:
        event["destinationList"] = [
            {"type": "possessing_party", "destination": party_urn(destination)}
        ]
    if temperature_c is not None:
        event["sensorElementList"] = [
            {"sensorReport": [{"type": "Temperature", "value": temperature_c, "uom": "CEL"}]}
        ]
    if details:
        event["lp:details"] = details
    if inspection:
        event["lp:inspection"] = inspection
    return event


def transformation_event(
    *,
    transformation_id: str,
    event_time: datetime,
    inputs: Sequence[LotQuantity],
    output: LotQuantity,
    location: str,
    details: dict[str, Any],
) -> dict[str, Any]:
    """The one event recorded in the output's history and in every input's history.

    ``transformation_id`` (a ``urn:uuid:``) is what ties those records together: EPCIS
    links the two sides of a transformation split over several events the same way.
    """
    event: dict[str, Any] = common_members("TransformationEvent", event_time) | {
        "inputQuantityList": [item.element() for item in inputs],
        "outputQuantityList": [output.element()],
        "transformationID": transformation_id,
        "bizStep": "transforming",
        "disposition": "active",
        "lp:location": location,
    }
    if details:
        event["lp:details"] = details
    return event


def complaint_event(
    *,
    at: datetime,
    code: str,
    category: str,
    status: str,
    reason: str,
    evidence: list[str],
    description: str,
    serial: str | None = None,
) -> dict[str, Any]:
    """A complaint's state (filed, or moved by its handler).

    The record carries a sha256 of the description, never the text or the contact (which may
    be personal data and must stay erasable); its ``quantityList`` is empty because a
    complaint observes no quantity. ``serial``: the unit's, for a complaint filed from a unit
    link (absent otherwise, so a lot's complaint records read as they always did).
    """
    complaint: dict[str, Any] = {
        "code": code,
        "category": category,
        "status": status,
        "reason": reason,
        "evidence": evidence,
        "descriptionSha256": "0x" + hashlib.sha256(description.encode()).hexdigest(),
    }
    if serial is not None:
        complaint["serial"] = serial
    return common_members("ObjectEvent", at) | {
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "disposition": "in_progress",
        "quantityList": [],
        "lp:complaint": complaint,
    }


def alert_event(
    *, at: datetime, lot: LotQuantity, confirmed: bool, alert: dict[str, Any]
) -> dict[str, Any]:
    """The quality desk's decision on a lot flagged by complaints, with the numbers
    (``lp:alert``: window, complaints, sources, thresholds, category, review)."""
    return common_members("ObjectEvent", at) | {
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "disposition": "non_conforming" if confirmed else "active",
        "quantityList": [lot.element()],
        "lp:alert": alert,
    }


def recall_event(
    *,
    at: datetime,
    lot: LotQuantity,
    recall_id: int,
    severity: str,
    reason: str,
    instructions: str,
    via: list[int],
) -> dict[str, Any]:
    """Observed in holding, CBV 2.0 disposition ``recalled``; ``via`` is the path of batch
    ids from a directly recalled batch (empty when this one was recalled directly)."""
    return common_members("ObjectEvent", at) | {
        "action": "OBSERVE",
        "bizStep": "holding",
        "disposition": "recalled",
        "quantityList": [lot.element()],
        "lp:recall": {
            "recallId": recall_id,
            "severity": severity,
            "reason": reason,
            "instructions": instructions,
            "direct": not via,
            "via": via,
        },
    }


def recall_updated_event(
    *,
    at: datetime,
    lot: LotQuantity,
    recall_id: int,
    severity: str,
    reason: str,
    instructions: str,
    via: list[int],
) -> dict[str, Any]:
    """A recall's new words (class, reason, instructions) in every batch it reached; the
    earlier words stay in the records before it (``lp:recall.change`` is ``updated``)."""
    return common_members("ObjectEvent", at) | {
        "action": "OBSERVE",
        "bizStep": "holding",
        "disposition": "recalled",
        "quantityList": [lot.element()],
        "lp:recall": {
            "recallId": recall_id,
            "change": "updated",
            "severity": severity,
            "reason": reason,
            "instructions": instructions,
            "direct": not via,
            "via": via,
        },
    }


def recall_closed_event(
    *, at: datetime, lot: LotQuantity, recall_id: int, outcome: str, reason: str, via: list[int]
) -> dict[str, Any]:
    """A recall closed, in every batch it reached: ``lifted`` (the lot is safe after all:
    disposition ``active``) or ``completed`` (the action is over: still ``recalled``)."""
    return common_members("ObjectEvent", at) | {
        "action": "OBSERVE",
        "bizStep": "holding",
        "disposition": "active" if outcome == "lifted" else "recalled",
        "quantityList": [lot.element()],
        "lp:recall": {
            "recallId": recall_id,
            "change": "closed",
            "outcome": outcome,
            "reason": reason,
            "direct": not via,
            "via": via,
        },
    }


def record_urn(digest: str) -> str:
    """How an event names a record: by its digest (edge form). EPCIS names events by URI
    (``correctiveEventIDs``), and Lotproof's events carry no ``eventID``."""
    return f"urn:lotproof:record:{digest}"


# What an error declaration repeats of the event it declares: EPCIS 2.0 declares an error
# with the erroneous event again plus ``errorDeclaration``. Only its what and when, not its
# details: redacting the original then erases them everywhere.
_DECLARED_MEMBERS = (
    "type",
    "eventTime",
    "eventTimeZoneOffset",
    "action",
    "bizStep",
    "disposition",
    "quantityList",
)


def error_declaration_event(
    *,
    declared: dict[str, Any],
    declared_n: int,
    declared_digest: str,
    at: datetime,
    reason: str,
    corrective: Sequence[str],
) -> dict[str, Any]:
    """Record ``declared_n`` (its event ``declared``, its digest) is erroneous, as its actor
    declares at ``at`` with a CBV error reason; ``corrective``: the digests of the records
    that correct it (docs/design.md §2.10)."""
    event = {key: declared[key] for key in _DECLARED_MEMBERS if key in declared}
    declaration: dict[str, Any] = {"declarationTime": format_utc_ms(at), "reason": reason}
    if corrective:
        declaration["correctiveEventIDs"] = [record_urn(digest) for digest in corrective]
    return event | {
        "errorDeclaration": declaration,
        "lp:declares": {"n": declared_n, "digest": declared_digest},
    }
