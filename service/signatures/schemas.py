from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class AddressCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    address: str = Field(pattern=r"^0x[0-9a-fA-F]{40}$")


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

    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$")


class SignatureRead(BaseModel):
    record_id: int
    signer: str
    org: str
    created_at: datetime


class SigningPayload(BaseModel):
    record_id: int
    digest: str
    typed_data: dict[str, Any]
