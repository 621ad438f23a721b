"""The webhook dispatcher: sends due deliveries, signed, and retries with exponential backoff.

Delivery is at least once: a crash between the receiver's 2xx and our commit sends the event
again, so receivers drop duplicates by the body's ``id`` (the same for every retry).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import rfc8785

from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.webhooks.models import DeliveryStatus, WebhookDelivery
from service.webhooks.repository import WebhookRepository

log = logging.getLogger(__name__)
HTTP_TIMEOUT_S = 5.0
JITTER = 0.1  # up to 10% extra delay, so receivers that failed together do not retry together


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The ``Lotproof-Signature`` header: ``t=<unix seconds>,v1=<hex HMAC-SHA256>``."""
    mac = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(
    secret: bytes,
    header: str,
    body: bytes,
    *,
    tolerance_s: int = 300,
    now: datetime | None = None,
) -> bool:
    """True if ``header`` signs ``body`` with ``secret`` and is at most ``tolerance_s`` old.

    Standard library only, so receivers can copy it. The timestamp is inside the MAC, so an
    old request replayed later fails the tolerance check and cannot be re-dated.
    """
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if sep:
            fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    current = now.timestamp() if now is not None else time.time()
    if abs(current - timestamp) > tolerance_s:
        return False
    expected = sign(secret, timestamp, body).rpartition("v1=")[2]
    # Several v1 values may be present (a receiver rotating secrets); any match will do.
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


@dataclass(frozen=True)
class _Outgoing:
    """What one attempt needs, read before the HTTP call so no transaction spans it."""

    delivery_id: int
    attempts: int
    url: str
    secret: bytes
    event_type: str
    body: bytes


class WebhookDispatcher:
    def __init__(
        self,
        *,
        sessions: SessionFactory,
        http: httpx.Client | None = None,
        max_attempts: int = 8,
        base_delay: float = 1.0,
        interval: float = 1.0,
        batch_size: int = 100,
    ) -> None:
        self.sessions = sessions
        self._owns_http = http is None
        # No redirects: a 3xx is a failed delivery, never a signed body sent somewhere else.
        self.http = http or httpx.Client(timeout=HTTP_TIMEOUT_S, follow_redirects=False)
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.interval = interval
        self.batch_size = batch_size

    def run_forever(self, stop: threading.Event) -> None:
        """Tick every ``interval`` seconds until ``stop`` is set."""
        log.info("webhook dispatcher started (interval %ss)", self.interval)
        try:
            while not stop.is_set():
                try:
                    self.tick()
                except Exception:  # a database blip must not end the loop for good
                    log.exception("webhook dispatch failed; retrying next tick")
                stop.wait(max(self.interval, 0.05))
        finally:
            if self._owns_http:
                self.http.close()
        log.info("webhook dispatcher stopped")

    def tick(self, now: datetime | None = None) -> int:
        """Attempt every due delivery once; returns how many HTTP requests were made."""
        now = now or utcnow()
        with self.sessions.read() as session:
            due = WebhookRepository(session).list_due_delivery_ids(now, self.batch_size)
        return sum(self._attempt(delivery_id, now) for delivery_id in due)

    def _attempt(self, delivery_id: int, now: datetime) -> bool:
        outgoing = self._prepare(delivery_id)
        if outgoing is None:
            return False
        status_code, error = self._post(outgoing, now)
        self._record(outgoing, now, status_code, error)
        return True

    def _prepare(self, delivery_id: int) -> _Outgoing | None:
        with self.sessions.write() as session, session.begin():
            repo = WebhookRepository(session)
            delivery = repo.get_delivery(delivery_id)
            if delivery is None or delivery.status != DeliveryStatus.pending:
                return None
            subscription = repo.get_subscription(delivery.subscription_id)
            if subscription is None or not subscription.active:
                delivery.status, delivery.last_error = DeliveryStatus.failed, "subscription deleted"
                return None
            return _Outgoing(
                delivery_id=delivery.id,
                attempts=delivery.attempts,
                url=subscription.url,
                secret=subscription.secret,
                event_type=delivery.event_type,
                body=event_body(delivery),
            )

    def _post(self, outgoing: _Outgoing, now: datetime) -> tuple[int | None, str | None]:
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Lotproof-Webhooks/1",
            "Lotproof-Event": outgoing.event_type,
            "Lotproof-Delivery": str(outgoing.delivery_id),
            "Lotproof-Timestamp": str(timestamp),
            "Lotproof-Signature": sign(outgoing.secret, timestamp, outgoing.body),
        }
        try:
            response = self.http.post(outgoing.url, content=outgoing.body, headers=headers)
        except httpx.HTTPError as e:
            # The exception's type and text only: never the request, which carries the MAC.
            return None, f"{type(e).__name__}: {e}"[:200]
        if 200 <= response.status_code < 300:
            return response.status_code, None
        return response.status_code, f"HTTP {response.status_code}"

    def _record(
        self, outgoing: _Outgoing, now: datetime, status_code: int | None, error: str | None
    ) -> None:
        with self.sessions.write() as session, session.begin():
            delivery = WebhookRepository(session).get_delivery(outgoing.delivery_id)
            assert delivery is not None
            if delivery.status != DeliveryStatus.pending or delivery.attempts != outgoing.attempts:
                return  # another dispatcher recorded this attempt first
            delivery.attempts += 1
            delivery.last_status_code = status_code
            delivery.last_error = error
            if error is None:
                delivery.status, delivery.delivered_at = DeliveryStatus.delivered, now
            elif delivery.attempts >= self.max_attempts:
                delivery.status = DeliveryStatus.failed
                log.warning("webhook delivery %d failed for good: %s", delivery.id, error)
            else:
                delivery.next_attempt_at = now + self.backoff(delivery.attempts)

    def backoff(self, attempts: int) -> timedelta:
        """Delay before the next try after ``attempts`` failures: base * 2**attempts + jitter."""
        delay = self.base_delay * 2**attempts
        return timedelta(seconds=delay * (1 + random.uniform(0, JITTER)))


def event_body(delivery: WebhookDelivery) -> bytes:
    """The POST body: canonical JSON (RFC 8785), the same bytes on every retry."""
    body: dict[str, Any] = {
        "id": delivery.event_id,
        "type": delivery.event_type,
        "created_at": delivery.created_at.isoformat(),
        "data": delivery.payload,
    }
    encoded: bytes = rfc8785.dumps(body)
    return encoded
