"""What records found, read from the events themselves for the consumer page.

The page shows facts as facts: a temperature reading with its value, unit and the product's
storage range; why a lot is on hold, from the record that put it there (a failed inspection
or a confirmed quality alert), so that the reason can be said in the shopper's language
rather than as a sentence stored in English.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel

from service.verdicts.schemas import RecordVerification

# UN/ECE Recommendation 20 code EPCIS sensor reports use for degrees Celsius.
CELSIUS = "CEL"


class StorageRange(BaseModel):
    min_c: float
    max_c: float


class TemperatureReading(BaseModel):
    n: int  # the record that holds it
    value: float
    uom: str
    # None when the product declares no storage range.
    within_range: bool | None


class HoldCause(BaseModel):
    """Why the lot is on hold, as the record that put it there says."""

    kind: Literal["inspection", "quality_alert", "unknown"]
    since: datetime
    n: int | None = None  # the record, when found
    by: str | None = None  # who recorded it (a name for people)
    defects: list[str] = []  # inspection: the defect classes that failed
    sources: int | None = None  # quality alert: distinct shoppers who complained
    window_days: int | None = None


def temperature_readings(
    records: list[RecordVerification], storage: StorageRange | None
) -> list[TemperatureReading]:
    readings = []
    for record in records:
        for value, uom in _sensor_temperatures(record.event):
            within = None
            if storage is not None and uom == CELSIUS:
                within = storage.min_c <= value <= storage.max_c
            readings.append(
                TemperatureReading(n=record.n, value=value, uom=uom, within_range=within)
            )
    return readings


def _sensor_temperatures(event: dict[str, Any] | None) -> list[tuple[float, str]]:
    found: list[tuple[float, str]] = []
    for element in (event or {}).get("sensorElementList") or []:
        for report in element.get("sensorReport") or [] if isinstance(element, dict) else []:
            value = report.get("value") if isinstance(report, dict) else None
            if report.get("type") == "Temperature" and isinstance(value, int | float):
                found.append((float(value), str(report.get("uom") or CELSIUS)))
    return found


def hold_cause(records: list[RecordVerification], since: datetime) -> HoldCause:
    """The latest record that can have put the lot on hold, read for the shopper."""
    for record in sorted(records, key=lambda r: r.n, reverse=True):
        event = record.event or {}
        if record.type == "inspection" and record.inspection_result == "fail":
            return HoldCause(
                kind="inspection",
                since=since,
                n=record.n,
                by=record.actor_name or record.actor,
                defects=_failed_classes(event),
            )
        alert = event.get("lp:alert")
        if record.type == "quality_alert" and isinstance(alert, dict):
            return HoldCause(
                kind="quality_alert",
                since=since,
                n=record.n,
                by=record.actor_name or record.actor,
                sources=_int(alert.get("sources")),
                window_days=_int(alert.get("window_days")),
            )
    return HoldCause(kind="unknown", since=since)


def _failed_classes(event: dict[str, Any]) -> list[str]:
    inspection = event.get("lp:inspection")
    classes = inspection.get("classes") if isinstance(inspection, dict) else None
    if not isinstance(classes, dict):
        return []
    return sorted(
        name for name, c in classes.items() if isinstance(c, dict) and c.get("decision") == "reject"
    )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None
