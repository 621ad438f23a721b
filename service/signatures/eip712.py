"""EIP-712 typed data over a record digest: what an organisation's key signs.

No chain id in the domain on purpose: a record is chain-independent (it can be re-anchored on
another chain), and so is the claim "this organisation stands behind this digest".
"""

from __future__ import annotations

import functools
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_keys.exceptions import BadSignature
from eth_utils.exceptions import ValidationError as EthValidationError

DOMAIN = {"name": "Lotproof", "version": "1"}
TYPES = {
    "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"}],
    "LotproofRecord": [{"name": "digest", "type": "bytes32"}],
}


def typed_data(digest: bytes) -> dict[str, Any]:
    """The full EIP-712 message for ``digest``, as wallets and eth_account take it."""
    return {
        "types": TYPES,
        "primaryType": "LotproofRecord",
        "domain": DOMAIN,
        "message": {"digest": "0x" + digest.hex()},
    }


def sign_digest(digest: bytes, private_key: bytes | str) -> str:
    signed = Account.sign_message(encode_typed_data(full_message=typed_data(digest)), private_key)
    return "0x" + bytes(signed.signature).hex()


@functools.lru_cache(maxsize=65536)
def recover_signer(digest: bytes, signature: str) -> str | None:
    """The checksummed address that signed ``digest``, or None for a malformed signature.

    Memoised: a pure function of its arguments (about a millisecond of elliptic-curve work),
    and every page view re-checks the same signatures against freshly recomputed digests."""
    try:
        message = encode_typed_data(full_message=typed_data(digest))
        return str(Account.recover_message(message, signature=signature))
    # eth_keys raises eth_utils' ValidationError for malformed keys and BadSignature otherwise.
    except (ValueError, TypeError, EthValidationError, BadSignature):
        return None
