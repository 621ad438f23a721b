"""Our event types as GS1 EPCIS 2.0 ObjectEvents (CBV 2.0 bare-word vocabulary)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

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


def object_event(
    *,
    event_type: EventType,
    event_time: datetime,
    gtin: str,
    lot: str,
    quantity: float,
    unit: str,
    location: str,
    details: dict[str, Any],
    source: str | None = None,
    destination: str | None = None,
    temperature_c: float | None = None,
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The EPCIS event; ``source``/``destination`` are org slugs of a custody handover."""
    action, biz_step, disposition = _VOCABULARY[event_type]
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": format_utc_ms(event_time),
        "eventTimeZoneOffset": format_offset(event_time),
        "action": action,
        "bizStep": biz_step,
        "disposition": disposition,
        "quantityList": [
            {"epcClass": digital_link(GS1_RESOLVER, gtin, lot), "quantity": quantity, "uom": unit}
        ],
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
    event.update(extensions or {})
    return event
