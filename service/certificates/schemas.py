"""API models of qualification certificates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from service.certificates.validity import CertificateStatus
from service.text import LINE, TEXT, SafeLine

# Lower-case codes, so "ISO-9001" and "iso-9001" cannot be two different certificate types.
CERTIFICATE_TYPE_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
MAX_EVIDENCE = 20

CertificateType = Annotated[
    str, StringConstraints(pattern=CERTIFICATE_TYPE_PATTERN), Field(examples=["iso-9001"])
]


class CertificateCreate(BaseModel):
    """A certificate as issued; it goes into the organisation's anchored history verbatim."""

    model_config = ConfigDict(extra="forbid")

    type: CertificateType
    issuer: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), LINE
    ]
    number: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100), LINE
    ]
    valid_from: date = Field(description="First day of validity (UTC), inclusive")
    valid_to: date = Field(description="Last day of validity (UTC), inclusive")
    evidence: list[Annotated[SafeLine, Field(max_length=66)]] = Field(
        default_factory=list,
        max_length=MAX_EVIDENCE,
        description="Uploaded file digests (0x + 64 hex): the scanned certificate",
    )

    @field_validator("valid_to")
    @classmethod
    def _not_before_start(cls, value: date, info: ValidationInfo) -> date:
        start = info.data.get("valid_from")
        if isinstance(start, date) and value < start:
            raise ValueError(f"must not be before valid_from ({start.isoformat()})")
        return value


class CertificateRevoke(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Goes into the anchored record verbatim: no personal data.
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500), TEXT
    ]


class CertificateConfirm(BaseModel):
    """An inspector's or admin's confirmation; goes into the anchored record verbatim."""

    model_config = ConfigDict(extra="forbid")

    # No personal data: what was checked, e.g. "original seen at the plant, 2026-11-20".
    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), TEXT] = ""
    evidence: list[Annotated[SafeLine, Field(max_length=66)]] = Field(
        default_factory=list,
        max_length=MAX_EVIDENCE,
        description="Uploaded file digests (0x + 64 hex): what the confirmation rests on",
    )


# Who vouches for a certificate: the organisation that declared it (named "supplier", as
# certificates are suppliers'), or the inspector or admin who confirmed it.
VouchedBy = Literal["supplier", "inspector", "admin"]


class RecordRef(BaseModel):
    """A record of the organisation's history (record format v2)."""

    n: int
    digest: str
    status: str  # pending until the anchoring worker commits it


class CertificateRead(BaseModel):
    id: int
    org_id: int
    org: str  # slug
    type: str
    issuer: str
    number: str
    valid_from: date
    valid_to: date
    evidence: list[str]
    status: CertificateStatus  # on the day of the request (UTC)
    record: RecordRef
    revoked_at: datetime | None
    revocation_reason: str | None
    revocation_record: RecordRef | None
    vouched_by: VouchedBy
    confirmed_by: str | None  # slug of the confirming inspector or admin
    confirmed_at: datetime | None
    confirmation_note: str | None
    confirmation_evidence: list[str] | None
    confirmation_record: RecordRef | None
    created_at: datetime


class CertificateList(BaseModel):
    items: list[CertificateRead]
    next_cursor: int | None


class ExpiringList(BaseModel):
    days: int
    items: list[CertificateRead]
