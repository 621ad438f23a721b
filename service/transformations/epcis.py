"""A transformation as one GS1 EPCIS 2.0 TransformationEvent (CBV 2.0 bare-word vocabulary)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service.events.epcis import GS1_RESOLVER, format_offset, format_utc_ms
from service.gs1 import digital_link


@dataclass(frozen=True)
class LotQuantity:
    """An amount of one lot, as a quantity element names it."""

    gtin: str
    lot: str
    quantity: float
    unit: str

    def element(self) -> dict[str, Any]:
        epc_class = digital_link(GS1_RESOLVER, self.gtin, self.lot)
        return {"epcClass": epc_class, "quantity": self.quantity, "uom": self.unit}


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
    event: dict[str, Any] = {
        "type": "TransformationEvent",
        "eventTime": format_utc_ms(event_time),
        "eventTimeZoneOffset": format_offset(event_time),
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
