"""API models of the webhooks domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.db.models import WebhookEvent
from service.text import SafeLine


class WebhookCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: SafeLine = Field(
        max_length=2048,
        description="https:// (http:// only to allow-listed receivers; localhost in dev mode)",
    )
    events: list[Annotated[SafeLine, Field(max_length=64)]] = Field(
        min_length=1, max_length=len(WebhookEvent)
    )

    @field_validator("url")
    @classmethod
    def _well_formed(cls, url: str) -> str:
        # Only what needs no settings; where it may point is DestinationPolicy.check_url.
        parts = urlsplit(url)
        if parts.scheme not in {"https", "http"} or not parts.hostname:
            raise ValueError("must be an absolute https:// URL with a host")
        if parts.username is not None or parts.password is not None:
            # Credentials in the URL would be shown by every listing and land in logs.
            raise ValueError("must not contain user:password@ (authenticate by the signature)")
        try:
            port = parts.port
        except ValueError:
            raise ValueError("has an invalid port") from None
        if port == 0:
            raise ValueError("has an invalid port")
        return url

    @field_validator("events")
    @classmethod
    def _known_events(cls, events: list[str]) -> list[str]:
        # Checked here, not with a Literal per item, so the error names `events` itself
        # and lists what is allowed.
        known = {e.value for e in WebhookEvent}
        unknown = sorted(set(events) - known)
        if unknown:
            raise ValueError(f"unknown event type(s) {unknown}; known: {sorted(known)}")
        return sorted(set(events))


class WebhookRead(BaseModel):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(description="0x hex of the 32-byte HMAC key; shown only in this response")


class DeliveryRead(BaseModel):
    id: int
    event_id: str
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(BaseModel):
    items: list[DeliveryRead]
    next_cursor: int | None
