"""What an API key looks like: ``lp_<prefix>_<secret>_<checksum>``.

- ``lp_``: recognisable, so that secret scanners and people can tell a Lotproof key at sight;
- ``prefix``: 12 hex digits, public, the row to look the key up by;
- ``secret``: 64 hex digits (256 random bits); only its SHA-256 is stored;
- ``checksum``: CRC-32 of everything before it, 8 hex digits, so that a mistyped or truncated
  key is refused without a database lookup (and a scanner can check what it found).

Keys issued before checksums were added (``lp_<prefix>_<urlsafe secret>``) are still accepted:
they fail the checksum test only by not having the new shape.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib
from dataclasses import dataclass

KEY_PREFIX = "lp"
_SHAPE = re.compile(r"^lp_([0-9a-f]{12})_([0-9a-f]{64})_([0-9a-f]{8})$")
_LEGACY = re.compile(r"^lp_([0-9a-f]{12})_[A-Za-z0-9_-]{43}$")


class MalformedKey(ValueError):
    """Not a Lotproof API key (the message says why, without repeating the key)."""


@dataclass(frozen=True)
class NewKey:
    prefix: str
    key: str  # shown once, to the caller that asked for it


def make_key() -> NewKey:
    prefix, secret = secrets.token_hex(6), secrets.token_hex(32)
    body = f"{KEY_PREFIX}_{prefix}_{secret}"
    return NewKey(prefix=prefix, key=f"{body}_{_checksum(body)}")


def prefix_of(key: str) -> str:
    """The public prefix of a well-formed key; MalformedKey otherwise."""
    shaped = _SHAPE.fullmatch(key)
    if shaped is not None:
        body = key[: -len(shaped.group(3)) - 1]
        if _checksum(body) != shaped.group(3):
            raise MalformedKey("API key checksum does not match (mistyped or truncated?)")
        return shaped.group(1)
    legacy = _LEGACY.fullmatch(key)
    if legacy is not None:
        return legacy.group(1)
    raise MalformedKey("malformed API key")


def hash_key(key: str) -> bytes:
    # Keys carry 256 random bits, so a plain hash is enough: no password stretching needed.
    return hashlib.sha256(key.encode()).digest()


def _checksum(body: str) -> str:
    return f"{zlib.crc32(body.encode()):08x}"
