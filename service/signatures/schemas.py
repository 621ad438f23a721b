from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from service.signatures.challenge import CHALLENGE_PATTERN

ADDRESS_PATTERN = r"^0x[0-9a-fA-F]{40}$"
SIGNATURE_PATTERN = r"^0x[0-9a-fA-F]{130}$"


class ChallengeCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(pattern=ADDRESS_PATTERN)


class AddressChallenge(BaseModel):
    """What the address's key signs (EIP-191 personal_sign) to be registered."""

    address: str
    challenge: str
    message: str = Field(description="Sign exactly this text with personal_sign")
    expires_at: datetime


class AddressCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(pattern=ADDRESS_PATTERN)
    challenge: str = Field(
        pattern=CHALLENGE_PATTERN, description="From POST /api/v1/orgs/me/addresses/challenge"
    )
    signature: str = Field(
        pattern=SIGNATURE_PATTERN, description="personal_sign of the challenge's message"
    )


class SigningPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Strict: 0, 1 and "yes" are not booleans in JSON (and not in the documented schema).
    require_signatures: StrictBool


class OrgSigning(BaseModel):
    slug: str
    addresses: list[str]
    require_signatures: bool


class SignatureCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signature: str = Field(pattern=SIGNATURE_PATTERN)


class SignatureRead(BaseModel):
    record_id: int
    signer: str
    org: str
    created_at: datetime


class SigningPayload(BaseModel):
    record_id: int
    digest: str
    typed_data: dict[str, Any]
