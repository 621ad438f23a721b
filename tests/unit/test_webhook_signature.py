"""The receiver's side of webhook signing: only fresh, genuine signatures pass."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from service.webhooks.dispatcher import sign, verify_signature

SECRET = bytes(range(32))
BODY = b'{"data":{"lot":"L1"},"id":"e1","type":"recall.issued"}'
NOW = datetime(2026, 11, 2, 8, tzinfo=UTC)
TS = int(NOW.timestamp())


class TestVerifySignature:
    def test_genuine_signature_passes(self) -> None:
        assert verify_signature(SECRET, sign(SECRET, TS, BODY), BODY, now=NOW)

    def test_a_little_clock_skew_is_tolerated(self) -> None:
        header = sign(SECRET, TS, BODY)
        assert verify_signature(SECRET, header, BODY, now=NOW + timedelta(seconds=299))
        assert verify_signature(SECRET, header, BODY, now=NOW - timedelta(seconds=299))

    def test_missing_or_garbled_header_fails(self) -> None:
        for header in ("", "v1=abc", f"t={TS}", "t=soon,v1=00", "garbage"):
            assert not verify_signature(SECRET, header, BODY, now=NOW), header

    def test_forged_mac_fails(self) -> None:
        assert not verify_signature(SECRET, f"t={TS},v1={'0' * 64}", BODY, now=NOW)
        assert not verify_signature(bytes(32), sign(SECRET, TS, BODY), BODY, now=NOW)

    def test_tampered_body_fails(self) -> None:
        header = sign(SECRET, TS, BODY)
        assert not verify_signature(SECRET, header, BODY.replace(b"L1", b"L2"), now=NOW)

    def test_old_timestamp_fails_even_with_a_valid_mac(self) -> None:
        header = sign(SECRET, TS, BODY)
        assert not verify_signature(SECRET, header, BODY, now=NOW + timedelta(seconds=301))

    def test_redated_replay_fails(self) -> None:
        # An attacker who saw an old request cannot move its timestamp: t is inside the MAC.
        mac = sign(SECRET, TS, BODY).rpartition("v1=")[2]
        later = NOW + timedelta(hours=1)
        header = f"t={int(later.timestamp())},v1={mac}"
        assert not verify_signature(SECRET, header, BODY, now=later)

    def test_any_of_several_v1_values_may_match(self) -> None:
        good = sign(SECRET, TS, BODY).rpartition("v1=")[2]
        header = f"t={TS},v1={'f' * 64},v1={good}"
        assert verify_signature(SECRET, header, BODY, now=NOW)
