"""The supplier scorecard formulas: pure functions over plain values.

Anyone holding the listed record and complaint ids can recompute a score with this module
alone, so it takes no session and reads no clock. Changing any weight, threshold or rule
below changes what a score means: add a new formula version when you do, never edit one.

Components (weights sum to 100; ``points = weight * fraction``, rounded to 2 decimals;
``score`` is the sum of points rounded to 1 decimal):

========================  ====  ====  ====================================================
component                 v1    v2    fraction
========================  ====  ====  ====================================================
inspection_pass_rate      40    35    passed / inspected, over *verified* inspection records
complaints_per_1000       20    20    1 - rate / 10 (0 at >= 10 complaints per 1,000 units)
median_first_response_h   15    15    1 at <= 24 h, 0 at >= 168 h (7 days), linear between
answered_on_time          15    15    complaints answered by their deadline / complaints due
recalls                   10    10    1 - 0.5 * recalls (each recall costs half; floor 0)
certificate_validity      0     5     v1: not measured (value null). v2: for each required
                                      certificate type, the share of the window covered by a
                                      verified, unrevoked certificate of that type; averaged
========================  ====  ====  ====================================================

``lotproof-scorecard/2`` is the default; ``/1`` stays computable so old scores can be checked.

A component with nothing to measure (no inspections, no units, no answered complaint, no
complaint due) has ``value`` null and full points: the absence of evidence is not held
against a supplier, and the inputs show that nothing was measured.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from typing import Any

FORMULA_V1 = "lotproof-scorecard/1"
FORMULA_V2 = "lotproof-scorecard/2"
FORMULA = FORMULA_V2

WEIGHTS: dict[str, float] = {  # lotproof-scorecard/1
    "inspection_pass_rate": 40,
    "complaints_per_1000": 20,
    "median_first_response_h": 15,
    "answered_on_time": 15,
    "recalls": 10,
    # Weight 0 in v1: certificates did not exist yet.
    "certificate_validity": 0,
}
WEIGHTS_V2: dict[str, float] = WEIGHTS | {"inspection_pass_rate": 35, "certificate_validity": 5}
FORMULAS: dict[str, Mapping[str, float]] = {FORMULA_V1: WEIGHTS, FORMULA_V2: WEIGHTS_V2}

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
    weights: Mapping[str, float],
    record_ids: Sequence[int] = (),
    complaint_ids: Sequence[str] = (),
) -> Component:
    weight = weights[name]
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


def inspection_pass_rate(
    results: dict[int, bool], *, not_counted: int = 0, weights: Mapping[str, float] = WEIGHTS
) -> Component:
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
    return _component(
        "inspection_pass_rate", rate, fraction, inputs, weights=weights, record_ids=list(results)
    )


def complaints_per_1000(
    complaint_ids: Sequence[str], units: float, *, weights: Mapping[str, float] = WEIGHTS
) -> Component:
    count = len(complaint_ids)
    rate = count / units * 1000 if units > 0 else None
    fraction = 1.0 if rate is None else 1 - rate / COMPLAINTS_PER_1000_AT_ZERO
    inputs = {"complaints": count, "units": units}
    return _component(
        "complaints_per_1000",
        rate,
        fraction,
        inputs,
        weights=weights,
        complaint_ids=list(complaint_ids),
    )


def median_first_response(
    hours_by_complaint: dict[str, float], *, weights: Mapping[str, float] = WEIGHTS
) -> Component:
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
        weights=weights,
        complaint_ids=list(hours_by_complaint),
    )


def answered_on_time(
    on_time: dict[str, bool], *, weights: Mapping[str, float] = WEIGHTS
) -> Component:
    """``on_time``: complaint code -> answered by its deadline, for complaints already due."""
    count = sum(1 for ok in on_time.values() if ok)
    share = count / len(on_time) if on_time else None
    inputs = {"due": len(on_time), "on_time": count, "late": len(on_time) - count}
    fraction = 1.0 if share is None else share
    return _component(
        "answered_on_time", share, fraction, inputs, weights=weights, complaint_ids=list(on_time)
    )


def recalls(
    recall_ids: Sequence[int], record_ids: Sequence[int], *, weights: Mapping[str, float] = WEIGHTS
) -> Component:
    """``record_ids``: the recall records written into the supplier's batches."""
    count = len(set(recall_ids))
    inputs = {"recalls": count, "recall_ids": sorted(set(recall_ids))}
    fraction = 1 - RECALL_COST * count
    return _component("recalls", count, fraction, inputs, weights=weights, record_ids=record_ids)


def certificate_validity() -> Component:
    """v1 only: certificates are not measured."""
    inputs = {"note": "certificates are not recorded yet; weight 0 until they are"}
    return _component("certificate_validity", None, 0.0, inputs, weights=WEIGHTS)


@dataclass(frozen=True)
class CertificateFact:
    """A certificate as its (verified) record states it; ``revoked_on``: first day revoked."""

    record_id: int
    type: str
    valid_from: date
    valid_to: date
    revoked_on: date | None = None


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _covered(facts: Sequence[CertificateFact], start: datetime, end: datetime) -> float:
    """Share of ``[start, end)`` inside at least one certificate's validity (UTC days,
    ``valid_to`` inclusive, up to the day it was revoked)."""
    spans = []
    for fact in facts:
        until = fact.valid_to + timedelta(days=1)
        if fact.revoked_on is not None:
            until = min(until, fact.revoked_on)
        lo, hi = max(_day_start(fact.valid_from), start), min(_day_start(until), end)
        if lo < hi:
            spans.append((lo, hi))
    covered, reach = timedelta(0), start
    for lo, hi in sorted(spans):
        if hi > reach:
            covered += hi - max(lo, reach)
            reach = hi
    return covered / (end - start)


def certificate_coverage(
    required: Sequence[str],
    certificates: Sequence[CertificateFact],
    start: datetime,
    end: datetime,
    *,
    weights: Mapping[str, float] = WEIGHTS_V2,
) -> Component:
    """v2: for each required type, the share of the window a certificate covered; averaged.

    ``start`` is the window's start or the organisation's creation, whichever is later: a
    supplier is not blamed for the time before it existed. Nothing required: value null.
    """
    # An organisation created after the window measures nothing.
    types = sorted(set(required)) if start < end else []
    coverage = {
        t: round(_covered([c for c in certificates if c.type == t], start, end), 4) for t in types
    }
    share = sum(coverage.values()) / len(types) if types else None
    used = [c.record_id for c in certificates if c.type in coverage]
    inputs = {"required": types, "coverage": coverage, "measured_from": start.isoformat()}
    fraction = 1.0 if share is None else share
    return _component(
        "certificate_validity", share, fraction, inputs, weights=weights, record_ids=used
    )


def total_score(components: Sequence[Component]) -> float:
    return round(sum(c.points for c in components), 1)
