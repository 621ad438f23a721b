"""API models of product categories."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.certificates.schemas import CertificateType

CATEGORY_NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
MAX_REQUIRED_CERTIFICATES = 50


class AlertThresholds(BaseModel):
    """Quality-alert thresholds; a field left out (null) falls back to the service settings
    (``LOTPROOF_QUALITY_ALERT_*``)."""

    model_config = ConfigDict(extra="forbid")

    min_complaints: int | None = Field(default=None, ge=1, le=1_000_000)
    per_1000: float | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)
    window_days: int | None = Field(default=None, ge=1, le=3650)


class CategoryPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    required_certificates: list[CertificateType] = Field(
        default_factory=list, max_length=MAX_REQUIRED_CERTIFICATES
    )
    alert: AlertThresholds | None = None

    @field_validator("required_certificates")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("each certificate type may appear once")
        return value


class EffectiveThresholds(BaseModel):
    """The thresholds the quality alert applies to the category's batches today."""

    min_complaints: int
    per_1000: float
    window_days: int


class CategoryRead(BaseModel):
    name: str
    required_certificates: list[str]
    alert: AlertThresholds  # as configured: null means "the service default"
    effective_alert: EffectiveThresholds
    updated_by: str  # org slug
    updated_at: datetime


class CategoryList(BaseModel):
    items: list[CategoryRead]
