"""GS1 identifiers: GTIN check digits, AI 10/21 values and Digital Link URIs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

# GS1 AI (10) batch/lot and AI (21) serial: 1-20 characters of GS1 character set 82.
# Set 82 is printable ASCII without space, '#', '$', '@', '[', '\\', ']', '^', '`', '{', '|', '}',
# '~'.
_CSET82 = re.compile(r"^[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}$")
_GTIN_LENGTHS = {8, 12, 13, 14}


def gtin_check_digit(body: str) -> int:
    """Mod-10 check digit of the digits before it (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def normalize_gtin(value: str) -> str:
    """GTIN-8/12/13/14 -> 14 digits; ValueError when malformed or the check digit is wrong."""
    if not value.isascii() or not value.isdigit() or len(value) not in _GTIN_LENGTHS:
        raise ValueError("GTIN must be 8, 12, 13 or 14 digits")
    expected = gtin_check_digit(value[:-1])
    if int(value[-1]) != expected:
        raise ValueError(f"GTIN check digit is wrong (expected {expected})")
    return value.zfill(14)


def validate_ai_value(value: str, what: str = "lot") -> str:
    """A lot (AI 10) or serial (AI 21): 1-20 characters of GS1 character set 82."""
    if not _CSET82.fullmatch(value):
        raise ValueError(f"{what} must be 1-20 characters of GS1 character set 82 (no spaces)")
    return value


def digital_link(base_url: str, gtin14: str, lot: str, serial: str | None = None) -> str:
    """GS1 Digital Link URI of a batch (or a unit when ``serial`` is given)."""
    uri = f"{base_url}/01/{gtin14}/10/{quote(lot, safe='')}"
    if serial is not None:
        uri += f"/21/{quote(serial, safe='')}"
    return uri


class LinkPathError(ValueError):
    """A Digital Link path that is not a batch or unit key (400, with what is wrong)."""


@dataclass(frozen=True)
class LinkKey:
    """What a Digital Link path identifies: a batch (gtin + lot) or a unit (gtin + serial)."""

    gtin: str  # 14 digits, check digit verified
    lot: str | None
    serial: str | None

    def canonical_path(self) -> str:
        path = f"/01/{self.gtin}"
        if self.lot is not None:
            path += f"/10/{quote(self.lot, safe='')}"
        if self.serial is not None:
            path += f"/21/{quote(self.serial, safe='')}"
        return path


def parse_link_path(raw_path: str) -> tuple[LinkKey, bool]:
    """Parse ``/01/{gtin}[/10/{lot}][/21/{serial}]`` from the raw (still percent-encoded) path.

    Returns the key and whether the path was already canonical (14-digit GTIN). Splitting before
    decoding keeps a lot containing ``/`` (sent as ``%2F``) in one piece.
    """
    segments = raw_path.strip("/").split("/")
    if len(segments) < 2 or segments[0] != "01":
        raise LinkPathError("a product link starts with /01/ followed by a GTIN")
    try:
        gtin = normalize_gtin(unquote(segments[1]))
    except ValueError as e:
        raise LinkPathError(str(e)) from None
    qualifiers = dict(zip(segments[2::2], segments[3::2], strict=False))
    if len(segments) % 2 != 0 or list(qualifiers) not in (["10"], ["10", "21"], ["21"]):
        raise LinkPathError(
            "expected /10/{lot}, /10/{lot}/21/{serial} or /21/{serial} after the GTIN"
        )
    lot = _qualifier(qualifiers, "10", "lot")
    serial = _qualifier(qualifiers, "21", "serial")
    return LinkKey(gtin=gtin, lot=lot, serial=serial), unquote(segments[1]) == gtin


def _qualifier(qualifiers: dict[str, str], ai: str, what: str) -> str | None:
    if ai not in qualifiers:
        return None
    try:
        return validate_ai_value(unquote(qualifiers[ai]), what)
    except ValueError as e:
        raise LinkPathError(str(e)) from None
