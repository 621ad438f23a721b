"""How large or small a batch's quantity may be, per unit of measure (UN/ECE Rec. 20 code).

A quantity is the denominator of the complaint rate (service/complaints/alerts.py): a tiny
one (``1e-310``) made that rate infinite, a huge one (``1e12``) hid a lot from every alert.
Each unit's least and most are in its row of ``service.batches.units``. A new lot's unit is
always one of those; ``DEFAULT_BOUNDS`` judges stored rows from before the table, whose unit
may not be.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from service.batches.units import UNITS


class QuantityBounds(NamedTuple):
    least: float
    most: float


DEFAULT_BOUNDS = QuantityBounds(1e-3, 1e9)


def bounds_of(unit: str) -> QuantityBounds:
    found = UNITS.get(unit)
    return DEFAULT_BOUNDS if found is None else QuantityBounds(found.least, found.most)


def check_quantity(quantity: float, unit: str) -> float:
    """``quantity`` if it is within its unit's bounds; ValueError saying the bounds if not."""
    least, most = bounds_of(unit)
    if not (math.isfinite(quantity) and least <= quantity <= most):
        raise ValueError(f"a quantity in {unit} must be between {least:g} and {most:g}")
    return quantity


def is_plausible(quantity: float, unit: str) -> bool:
    """Whether a stored quantity is within its unit's bounds (rows older than the bounds
    may not be): the complaint rate is computed only on plausible quantities."""
    least, most = bounds_of(unit)
    return math.isfinite(quantity) and least <= quantity <= most
