"""What a stuck anchor transaction's replacement offers: pure arithmetic, unit-tested.

A node replaces a pending transaction only with one of the same nonce whose max fee and tip
are both higher by its bump rule (geth and Hardhat: +10 %). We raise both by at least the
configured percentage (12.5 % by default), rounding up so integer wei never falls short, and
follow the market if it has moved further; the operator's cap bounds the max fee, and the tip
never exceeds the max fee (a node refuses that).
"""

from __future__ import annotations

from fractions import Fraction

from service.ledger import Fees

WEI_PER_GWEI = 10**9


def gwei_to_wei(gwei: float) -> int:
    return int(Fraction(str(gwei)) * WEI_PER_GWEI)


def _raised(wei: int, percent: Fraction) -> int:
    exact = Fraction(wei) * (100 + percent) / 100
    return -(-exact.numerator // exact.denominator)  # ceiling


def capped(fees: Fees, cap: int) -> Fees:
    max_fee = min(fees.max_fee_per_gas, cap)
    return Fees(max_fee, min(fees.max_priority_fee_per_gas, max_fee))


def bumped(previous: Fees, market: Fees, *, percent: float, cap: int) -> Fees:
    """The fees of a replacement for a transaction that offered ``previous``."""
    rate = Fraction(str(percent))
    wanted = Fees(
        max(_raised(previous.max_fee_per_gas, rate), market.max_fee_per_gas),
        max(_raised(previous.max_priority_fee_per_gas, rate), market.max_priority_fee_per_gas),
    )
    return capped(wanted, cap)
