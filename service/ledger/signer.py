"""The anchoring key: from LOTPROOF_ANCHOR_KEY or an encrypted keystore file, never logged."""

from __future__ import annotations

import json

from eth_account import Account
from eth_account.signers.local import LocalAccount

from service.config import HARDHAT_DEV_KEY, Settings


class SignerConfigError(Exception):
    """The configured key is missing, unreadable, or not allowed in this environment."""


def load_signer(settings: Settings) -> LocalAccount:
    """The account that signs anchors. The public Hardhat key is refused outside dev mode."""
    if settings.anchor_key is not None:
        key = settings.anchor_key.get_secret_value()
    elif settings.anchor_keystore is not None:
        key = _decrypt_keystore(settings)
    elif settings.is_dev:
        key = HARDHAT_DEV_KEY
    else:
        raise SignerConfigError(
            "no anchoring key: set LOTPROOF_ANCHOR_KEY or LOTPROOF_ANCHOR_KEYSTORE"
        )
    try:
        account: LocalAccount = Account.from_key(key)
    except (ValueError, TypeError):
        # Not chained: the original message could echo the key.
        raise SignerConfigError("LOTPROOF_ANCHOR_KEY is not a valid private key") from None
    if account.key.hex().removeprefix("0x") == HARDHAT_DEV_KEY[2:] and not settings.is_dev:
        raise SignerConfigError(
            "the well-known Hardhat dev key is accepted only with LOTPROOF_ENV=dev"
        )
    return account


def _decrypt_keystore(settings: Settings) -> str:
    assert settings.anchor_keystore is not None
    if settings.anchor_keystore_password is None:
        raise SignerConfigError("LOTPROOF_ANCHOR_KEYSTORE_PASSWORD is required with a keystore")
    try:
        keyfile = json.loads(settings.anchor_keystore.read_text())
        secret = Account.decrypt(keyfile, settings.anchor_keystore_password.get_secret_value())
    except (OSError, ValueError) as e:
        raise SignerConfigError(f"cannot open keystore {settings.anchor_keystore}: {e}") from None
    return "0x" + bytes(secret).hex()
