"""The supplier scorecard formula, ``lotproof-scorecard/1``: pure functions over plain values.

Anyone holding the listed record and complaint ids can recompute a score with this module
alone, so it takes no session and reads no clock. Changing any weight, threshold or rule
below changes what a score means: bump ``FORMULA`` when you do.

Components (weights sum to 100; ``points = weight * fraction``, rounded to 2 decimals;
``score`` is the sum of points rounded to 1 decimal):

========================  ======  ==========================================================
component                 weight  fraction
========================  ======  ==========================================================
inspection_pass_rate      40      passed / inspected, over *verified* inspection records
complaints_per_1000       20      1 - rate / 10 (0 at >= 10 complaints per 1,000 units)
median_first_response_h   15      1 at <= 24 h, 0 at >= 168 h (7 days), linear in between
answered_on_time          15      complaints answered by their deadline / complaints due
recalls                   10      1 - 0.5 * recalls (each recall costs half; floor 0)
certificate_validity      0       not measured yet (certificates are not built): value null
========================  ======  ==========================================================

A component with nothing to measure (no inspections, no units, no answered complaint, no
complaint due) has ``value`` null and full points: the absence of evidence is not held
against a supplier, and the inputs show that nothing was measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any

FORMULA = "lotproof-scorecard/1"

WEIGHTS: dict[str, float] = {
    "inspection_pass_rate": 40,
    "complaints_per_1000": 20,
    "median_first_response_h": 15,
    "answered_on_time": 15,
    "recalls": 10,
    # Weight 0 until certificates exist, so adding them later is a new version on purpose.
    "certificate_validity": 0,
}

COMPLAINTS_PER_1000_AT_ZERO = 10.0
RESPONSE_FULL_HOURS = 24.0
RESPONSE_ZERO_HOURS = 7 * 24.0
RECALL_COST = 0.5  # share of the recall component's weight each recall costs


@dataclass(frozen=True)
class Component:
    name: str
    value: float | None
    weight: float
    points: float
    inputs: dict[str, Any]
    record_ids: list[int] = field(default_factory=list)
    complaint_ids: list[str] = field(default_factory=list)


def _component(
    name: str,
    value: float | None,
    fraction: float,
    inputs: dict[str, Any],
    *,
    record_ids: Sequence[int] = (),
    complaint_ids: Sequence[str] = (),
) -> Component:
    weight = WEIGHTS[name]
    bounded = min(1.0, max(0.0, fraction))
    return Component(
        name=name,
        value=None if value is None else round(value, 4),
        weight=weight,
        points=round(weight * bounded, 2),
        inputs=inputs,
        # Sorted so the same facts always give byte-identical output.
        record_ids=sorted(record_ids),
        complaint_ids=sorted(complaint_ids),
    )


def linear_fraction(value: float, full_at: float, zero_at: float) -> float:
    """1 at or below ``full_at``, 0 at or above ``zero_at``, a straight line in between."""
    if value <= full_at:
        return 1.0
    if value >= zero_at:
        return 0.0
    return (zero_at - value) / (zero_at - full_at)


def inspection_pass_rate(results: dict[int, bool], *, not_counted: int = 0) -> Component:
    """``results``: record id -> passed, for verified inspection records only.

    ``not_counted``: inspection records in the window left out (not verified yet, redacted,
    tampered or without a result), shown so a reader knows the rate is partial.
    """
    passed = sum(1 for ok in results.values() if ok)
    total = len(results)
    rate = passed / total if total else None
    inputs = {
        "inspections": total,
        "passed": passed,
        "failed": total - passed,
        "not_counted": not_counted,
    }
    fraction = 1.0 if rate is None else rate
    return _component("inspection_pass_rate", rate, fraction, inputs, record_ids=list(results))


def complaints_per_1000(complaint_ids: Sequence[str], units: float) -> Component:
    count = len(complaint_ids)
    rate = count / units * 1000 if units > 0 else None
    fraction = 1.0 if rate is None else 1 - rate / COMPLAINTS_PER_1000_AT_ZERO
    inputs = {"complaints": count, "units": units}
    return _component(
        "complaints_per_1000", rate, fraction, inputs, complaint_ids=list(complaint_ids)
    )


def median_first_response(hours_by_complaint: dict[str, float]) -> Component:
    """``hours_by_complaint``: complaint code -> hours from filing to first response."""
    value = median(hours_by_complaint.values()) if hours_by_complaint else None
    fraction = (
        1.0 if value is None else linear_fraction(value, RESPONSE_FULL_HOURS, RESPONSE_ZERO_HOURS)
    )
    inputs = {"answered": len(hours_by_complaint)}
    return _component(
        "median_first_response_h",
        value,
        fraction,
        inputs,
        complaint_ids=list(hours_by_complaint),
    )


def answered_on_time(on_time: dict[str, bool]) -> Component:
    """``on_time``: complaint code -> answered by its deadline, for complaints already due."""
    count = sum(1 for ok in on_time.values() if ok)
    share = count / len(on_time) if on_time else None
    inputs = {"due": len(on_time), "on_time": count, "late": len(on_time) - count}
    fraction = 1.0 if share is None else share
    return _component("answered_on_time", share, fraction, inputs, complaint_ids=list(on_time))


def recalls(recall_ids: Sequence[int], record_ids: Sequence[int]) -> Component:
    """``record_ids``: the recall records written into the supplier's batches."""
    count = len(set(recall_ids))
    inputs = {"recalls": count, "recall_ids": sorted(set(recall_ids))}
    fraction = 1 - RECALL_COST * count
    return _component("recalls", count, fraction, inputs, record_ids=record_ids)


def certificate_validity() -> Component:
    inputs = {"note": "certificates are not recorded yet; weight 0 until they are"}
    return _component("certificate_validity", None, 0.0, inputs)


def total_score(components: Sequence[Component]) -> float:
    return round(sum(c.points for c in components), 1)
