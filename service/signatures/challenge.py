"""Proof of possession for signing addresses: a stateless challenge the address's key signs.

Without it any organisation could register any address (someone else's wallet, a rival's
signing key) and squat it: the address is unique, so its holder could never register it.

The server issues ``<expires>.<nonce>.<tag>``, where the tag is an HMAC over the organisation's
id, the address, the expiry and the nonce, under a server secret
(``LOTPROOF_SIGNING_CHALLENGE_KEY``, or one made once and kept in the database, so every
instance accepts what another issued). Nothing is stored per challenge. The key then signs
``challenge_message`` with EIP-191 ``personal_sign`` (any wallet can, and the text says what it
is for). A challenge issued to another organisation, for another address, altered or past its
expiry fails the tag or the clock; one replayed by the same organisation for the same address
changes nothing (registering an address it holds is idempotent).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from eth_account import Account
from eth_account.messages import encode_defunct
from eth_keys.exceptions import BadSignature
from eth_utils.exceptions import ValidationError as EthValidationError
from sqlalchemy.orm import Session

from service.config import Settings
from service.db.models import Organization
from service.errors import InvalidInput
from service.signatures.repository import SignatureRepository

CHALLENGE_PATTERN = r"^[0-9]{10}\.[0-9a-f]{32}\.[0-9a-f]{64}$"
_KEY_NAME = "signing-challenge-key"


@dataclass(frozen=True)
class Challenge:
    token: str
    message: str
    expires_at: datetime


def challenge_message(org: Organization, address: str, token: str) -> str:
    """The text the address's key signs (EIP-191): it names what the signature allows."""
    return (
        f"Lotproof: register {address} as a signing address of the organisation "
        f"'{org.slug}'. Records signed with this key will count as theirs.\n"
        f"Challenge: {token}"
    )


def issue(
    session: Session, settings: Settings, org: Organization, address: str, now: datetime
) -> Challenge:
    expires = int((now + timedelta(seconds=settings.signing_challenge_ttl_s)).timestamp())
    nonce = secrets.token_hex(16)
    tag = _tag(challenge_key(session, settings), org.id, address, expires, nonce)
    token = f"{expires}.{nonce}.{tag}"
    expires_at = datetime.fromtimestamp(expires, UTC)
    return Challenge(token, challenge_message(org, address, token), expires_at)


def check(
    session: Session,
    settings: Settings,
    org: Organization,
    address: str,
    *,
    token: str,
    signature: str,
    now: datetime,
) -> None:
    """Raise ``InvalidInput`` naming ``challenge`` or ``signature`` unless the key of
    ``address`` signed a current challenge issued to ``org`` for ``address``."""
    expires_text, nonce, tag = token.split(".")  # the schema's pattern guarantees the form
    expected = _tag(challenge_key(session, settings), org.id, address, int(expires_text), nonce)
    if not hmac.compare_digest(tag, expected):
        raise InvalidInput(
            "not a challenge this server issued to this organisation for this address",
            field="challenge",
        )
    if int(expires_text) < now.timestamp():
        raise InvalidInput("the challenge has expired; ask for a new one", field="challenge")
    signer = _personal_signer(challenge_message(org, address, token), signature)
    if signer is None:
        raise InvalidInput("not a valid signature", field="signature")
    if signer != address:
        raise InvalidInput(
            f"signed by {signer}, not by {address}: sign the challenge with the address's key",
            field="signature",
        )


def _tag(key: bytes, org_id: int, address: str, expires: int, nonce: str) -> str:
    text = f"lotproof-address-challenge|{org_id}|{address}|{expires}|{nonce}"
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def challenge_key(session: Session, settings: Settings) -> bytes:
    if settings.signing_challenge_key is not None:
        return settings.signing_challenge_key.get_secret_value().encode()
    return SignatureRepository(session).service_secret(_KEY_NAME)


def _personal_signer(message: str, signature: str) -> str | None:
    try:
        return str(Account.recover_message(encode_defunct(text=message), signature=signature))
    # As in eip712.recover_signer: malformed keys, and signatures that recover to nothing.
    except (ValueError, TypeError, EthValidationError, BadSignature):
        return None
