"""How large or small a batch's quantity may be, per unit of measure (UN/ECE Rec. 20 code).

A quantity is the denominator of the complaint rate (service/complaints/alerts.py): a tiny
one (``1e-310``) made that rate infinite, a huge one (``1e12``) hid a lot from every alert.
Each unit gets a meaningful least amount (one item; a gram; a millilitre) and a most that
no real lot reaches; a unit not listed gets ``DEFAULT_BOUNDS``.
"""

from __future__ import annotations

import math
from typing import NamedTuple


class QuantityBounds(NamedTuple):
    least: float
    most: float


_ITEMS = QuantityBounds(1, 1e9)  # counted things: at least one, at most a billion
DEFAULT_BOUNDS = QuantityBounds(1e-3, 1e9)

BOUNDS: dict[str, QuantityBounds] = {
    # Counted: piece, one, each, number of articles, pair, set, box, pack, bottle, can, bag.
    **dict.fromkeys(["H87", "C62", "EA", "NAR", "PR", "SET", "XBX", "XPK", "XBO", "XCX"], _ITEMS),
    **dict.fromkeys(["XBG", "XCT", "XPA", "XPL"], _ITEMS),
    # Mass: a gram up to 100,000 tonnes, in each unit.
    "GRM": QuantityBounds(1, 1e11),
    "KGM": QuantityBounds(1e-3, 1e8),
    "TNE": QuantityBounds(1e-6, 1e5),
    # Volume: a millilitre up to 100,000 cubic metres, in each unit.
    "MLT": QuantityBounds(1, 1e11),
    "LTR": QuantityBounds(1e-3, 1e8),
    "MTQ": QuantityBounds(1e-6, 1e5),
}


def bounds_of(unit: str) -> QuantityBounds:
    return BOUNDS.get(unit, DEFAULT_BOUNDS)


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
