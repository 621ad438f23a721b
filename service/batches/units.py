"""The units of measure a lot's quantity may be given in: UN/ECE Recommendation 20 codes.

EPCIS quantity elements (``quantity`` with ``uom``) take Rec. 20 common codes, and the "X"
codes are Rec. 21 package types as Rec. 20 admits them. Rec. 20 lists over two thousand units,
most of them physics (henry per metre, becquerel) that no lot of goods is counted in; a typo
or an invented code ("ZZZ") in a lot's record would be anchored for good and shown to every
shopper. So the service accepts the maintained table below, the units goods are traded in,
and refuses any other code with a 422 naming ``unit``. Adding a unit is a row here (and its
label on the consumer page, ``uom.<code>`` in service/i18n/catalogue/units.py).

Each unit also has a least and a most quantity (``service.batches.quantities``): a quantity
is the denominator of the complaint rate (``service.complaints.alerts``), so a tiny one made
that rate infinite and a huge one hid a lot from every alert. Counted things start at one;
measured ones at about a gram, a millilitre or a millimetre; none reaches 100,000 tonnes (or
cubic metres) or a billion items, which no real lot does.
"""

from __future__ import annotations

from typing import NamedTuple


class Unit(NamedTuple):
    name: str  # Rec. 20 (or Rec. 21) name
    least: float
    most: float


_ITEMS = (1.0, 1e9)  # counted things: at least one, at most a billion

UNITS: dict[str, Unit] = {
    # Counted.
    "H87": Unit("piece", *_ITEMS),
    "C62": Unit("one", *_ITEMS),
    "EA": Unit("each", *_ITEMS),
    "NAR": Unit("number of articles", *_ITEMS),
    "PR": Unit("pair", *_ITEMS),
    "SET": Unit("set", *_ITEMS),
    "DZN": Unit("dozen", 1, 1e8),
    # Packages (Rec. 21 package type codes, prefixed X).
    "XBX": Unit("box", *_ITEMS),
    "XCT": Unit("carton", *_ITEMS),
    "XPK": Unit("package", *_ITEMS),
    "XPA": Unit("packet", *_ITEMS),
    "XBG": Unit("bag", *_ITEMS),
    "XSA": Unit("sack", *_ITEMS),
    "XBO": Unit("bottle", *_ITEMS),
    "XCX": Unit("can", *_ITEMS),
    "XJR": Unit("jar", *_ITEMS),
    "XCR": Unit("crate", *_ITEMS),
    "XBA": Unit("barrel", *_ITEMS),
    "XDR": Unit("drum", *_ITEMS),
    "XPL": Unit("pail", *_ITEMS),
    "XPX": Unit("pallet", *_ITEMS),
    # Mass: a gram up to 100,000 tonnes, in each unit.
    "GRM": Unit("gram", 1, 1e11),
    "KGM": Unit("kilogram", 1e-3, 1e8),
    "TNE": Unit("tonne", 1e-6, 1e5),
    "LBR": Unit("pound", 2e-3, 2.2e8),
    "ONZ": Unit("ounce", 3e-2, 3.5e9),
    # Volume: a millilitre up to 100,000 cubic metres, in each unit.
    "MLT": Unit("millilitre", 1, 1e11),
    "CLT": Unit("centilitre", 0.1, 1e10),
    "LTR": Unit("litre", 1e-3, 1e8),
    "HLT": Unit("hectolitre", 1e-5, 1e6),
    "MTQ": Unit("cubic metre", 1e-6, 1e5),
    "GLL": Unit("US gallon", 3e-4, 2.6e7),
    # Length and area (cable, fabric, flooring): a millimetre up to 10,000 km; a square
    # centimetre up to 100 km².
    "MMT": Unit("millimetre", 1, 1e10),
    "CMT": Unit("centimetre", 0.1, 1e9),
    "MTR": Unit("metre", 1e-3, 1e7),
    "MTK": Unit("square metre", 1e-4, 1e8),
}

CODES = sorted(UNITS)


def check_unit(code: str) -> str:
    """``code`` if the service accepts it; ValueError saying which codes it accepts if not."""
    if code not in UNITS:
        raise ValueError(
            "must be a UN/ECE Recommendation 20 code of a unit goods are counted or measured "
            f"in: one of {', '.join(CODES)}"
        )
    return code
