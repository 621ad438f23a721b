"""What a published digest gives away, and what changes it (issue 8's property tests).

Digests are public (they are anchored on chain and printed in audit bundles), while a record's
content may be confidential. The 32-byte random salt is what stops anyone from confirming a
guess: without it, an event with a handful of plausible values could be found by enumeration.
"""

from __future__ import annotations

import itertools
import json
import os
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from service.hashing.v1 import build_record, canonical_bytes, record_digest

EVENT_TYPES = ("commissioning", "inspecting", "packing", "shipping", "receiving")
LOCATIONS = ("Hangzhou plant 1", "Hangzhou plant 2", "Ningbo port", "Shanghai DC")
ACTORS = ("acme-farms", "northwind", "dutch-retail")
HOURS = range(24)


def record(event_type: str, location: str, actor: str, hour: int, salt: bytes) -> dict[str, Any]:
    return build_record(
        gtin="09506000134352",
        lot="L2026-0001",
        n=0,
        prev=None,
        event={"bizStep": event_type, "lp:location": location, "eventTime": f"{hour:02d}:00"},
        actor=actor,
        recorded_at="2026-11-02T08:00:01.123Z",
        salt=salt,
    )


def guesses(salt: bytes) -> dict[bytes, tuple[str, str, str, int]]:
    """Every combination of the low-entropy fields (1,440 of them), by digest."""
    space = itertools.product(EVENT_TYPES, LOCATIONS, ACTORS, HOURS)
    return {record_digest(record(*combo, salt)): combo for combo in space}


def test_enumerating_low_entropy_contents_cannot_match_a_salted_digest() -> None:
    secret = ("inspecting", "Ningbo port", "northwind", 14)
    published = record_digest(record(*secret, os.urandom(32)))
    # Whoever knows the format but not the salt tries every content with any salt they like.
    for attacker_salt in (bytes(32), bytes([0xFF]) * 32, os.urandom(32)):
        assert published not in guesses(attacker_salt)
    # The control: the same enumeration with the record's own salt finds it at once, so the
    # search space above did contain the secret and only the salt defeated it.
    salt = os.urandom(32)
    assert guesses(salt)[record_digest(record(*secret, salt))] == secret


@given(st.data())
def test_any_single_bit_change_to_a_stored_record_changes_its_digest(data: st.DataObject) -> None:
    """Flip any bit of the canonical text: it no longer parses, or it digests differently."""
    original = record("packing", "Hangzhou plant 2", "acme-farms", 9, os.urandom(32))
    text = canonical_bytes(original)
    position = data.draw(st.integers(min_value=0, max_value=len(text) * 8 - 1))
    flipped = bytearray(text)
    flipped[position // 8] ^= 1 << (position % 8)
    try:
        changed = json.loads(bytes(flipped).decode("utf-8"))
        digest = record_digest(changed)
    except (UnicodeDecodeError, ValueError, TypeError, AttributeError):
        return  # unreadable: verification reports "stored record is unreadable"
    assert digest != record_digest(original)


# Lone surrogates are left out: they are not valid Unicode text, and JSON input cannot carry them.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=20)


@given(TEXT, TEXT)
def test_different_text_never_shares_a_digest(a: str, b: str) -> None:
    """No normalisation happens (NFC vs NFD, case, width): different strings, different records."""
    salt = bytes(32)
    digest_a = record_digest(record("packing", a, "acme-farms", 1, salt))
    digest_b = record_digest(record("packing", b, "acme-farms", 1, salt))
    assert (digest_a == digest_b) == (a == b)
