"""The replacement fees of a stuck anchor transaction (service/anchoring/fees.py)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from service.anchoring.fees import bumped, capped, gwei_to_wei
from service.ledger import Fees

GWEI = 10**9
CAP = gwei_to_wei(500)


def test_gwei_to_wei_is_exact_for_decimal_settings() -> None:
    assert gwei_to_wei(1.1) == 1_100_000_000
    assert gwei_to_wei(0.000000001) == 1


def test_both_fees_rise_by_the_bump_rounded_up() -> None:
    fees = bumped(Fees(1_000_000_001, 7), Fees(1, 1), percent=12.5, cap=CAP)
    assert fees == Fees(1_125_000_002, 8)  # 1,125,000,001.125 and 7.875, rounded up


def test_the_market_wins_when_it_moved_further() -> None:
    fees = bumped(Fees(2 * GWEI, GWEI), Fees(9 * GWEI, 3 * GWEI), percent=12.5, cap=CAP)
    assert fees == Fees(9 * GWEI, 3 * GWEI)


def test_the_cap_bounds_the_max_fee_and_the_tip_follows() -> None:
    fees = bumped(Fees(480 * GWEI, 480 * GWEI), Fees(1, 1), percent=12.5, cap=CAP)
    assert fees == Fees(CAP, CAP)
    assert capped(Fees(3 * GWEI, 2 * GWEI), GWEI) == Fees(GWEI, GWEI)


@given(
    max_fee=st.integers(1, 10**15),
    tip=st.integers(0, 10**15),
    percent=st.sampled_from([12.5, 20.0, 100.0]),
)
def test_a_replacement_under_the_cap_is_at_least_the_bump_higher(
    max_fee: int, tip: int, percent: float
) -> None:
    tip = min(tip, max_fee)
    fees = bumped(Fees(max_fee, tip), Fees(0, 0), percent=percent, cap=10**18)
    factor = (100 + Fraction(percent)) / 100
    assert fees.max_fee_per_gas >= max_fee * factor
    assert fees.max_priority_fee_per_gas >= tip * factor
    assert fees.max_priority_fee_per_gas <= fees.max_fee_per_gas
    # and less than one wei above the exact bump (no overpaying from rounding)
    assert fees.max_fee_per_gas - 1 < max_fee * factor
