"""Sampling inspections on a batch: the service decides, and a rejected lot goes on hold.

The decision and every class's plan go into the inspection record itself (``lp:inspection``),
so the reason a batch was held is anchored with it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from service.custody.rules import lift_hold, may_lift_hold, place_hold, setter_of
from service.db.models import Batch, Organization
from service.errors import InvalidInput
from service.inspections.sampling import SamplingInputError, decide_by_class
from service.inspections.schemas import SamplingInspection


def evaluate(sampling: SamplingInspection) -> dict[str, Any]:
    """The ``lp:inspection`` extension: per-class plans and decisions, and the lot decision."""
    classes = {name: (c.aql, c.defects) for name, c in sampling.classes.items()}
    try:
        verdict = decide_by_class(sampling.lot_size, sampling.level, sampling.severity, classes)
    except SamplingInputError as e:
        raise InvalidInput(str(e), field=f"sampling.{e.field}") from None
    except ValueError as e:
        raise InvalidInput(str(e), field="sampling.classes") from None
    return {
        "standard": "ISO 2859-1 single sampling",
        "lotSize": sampling.lot_size,
        "level": sampling.level,
        "severity": sampling.severity,
        "sampleSize": verdict["sample_size"],
        "decision": verdict["decision"],
        "classes": {
            name: {
                "aql": v["plan"].aql,
                "codeLetter": v["plan"].code_letter,
                "planLetter": v["plan"].plan_letter,
                "sampleSize": v["plan"].sample_size,
                "ac": v["plan"].acceptance_number,
                "re": v["plan"].rejection_number,
                "defects": v["defects"],
                "decision": v["decision"],
            }
            for name, v in verdict["classes"].items()
        },
    }


def apply_decision(
    batch: Batch, inspector: Organization, inspection: dict[str, Any], now: datetime
) -> None:
    """A rejected lot goes on hold; a passing re-inspection lifts a hold it may lift
    (``may_lift_hold``: a supplier's self-inspection never lifts an inspector's hold)."""
    if inspection["decision"] == "reject":
        rejected = [n for n, c in inspection["classes"].items() if c["decision"] == "reject"]
        reason = f"failed sampling inspection ({', '.join(rejected)} defects)"
        place_hold(batch, setter_of(inspector), reason, now)
    elif batch.on_hold_since is not None and may_lift_hold(inspector, batch):
        lift_hold(batch)


def release(batch: Batch) -> None:
    """A release event, which ``check_may_record`` allowed (``may_lift_hold``)."""
    lift_hold(batch)


__all__ = ["apply_decision", "evaluate", "release"]
