"""The webhook dispatcher: sends due deliveries, signed, and retries with exponential backoff.

Delivery is at least once: a crash between the receiver's 2xx and our commit sends the event
again, so receivers drop duplicates by the body's ``id`` (the same for every retry).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import ssl
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import rfc8785

from service.config import Settings
from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.db.models import DeliveryStatus, WebhookDelivery
from service.webhooks.destinations import DestinationPolicy
from service.webhooks.repository import WebhookRepository
from service.webhooks.transport import CONNECTION_FAILED, Outcome, post

log = logging.getLogger(__name__)
JITTER = 0.1  # up to 10% extra delay, so receivers that failed together do not retry together
_Slot = tuple[str, int | str]  # ("org", id) or ("host", "name:port"): who shares a limit


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
    """Sends due deliveries on a bounded pool of threads.

    Each attempt ends by ``webhook_timeout_s``, and an attempt starts only while its
    organisation and its receiver's host have fewer than their share of sends in flight, so
    one slow or hostile receiver holds a few threads for a bounded time and never the
    queue: other organisations' deliveries go out on the free threads meanwhile.
    """

    def __init__(
        self,
        *,
        sessions: SessionFactory,
        settings: Settings,
        max_attempts: int = 8,
        base_delay: float = 1.0,
        batch_size: int = 100,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.sessions = sessions
        # None: the public CA bundle. Receivers behind a private CA (and the tests) pass theirs.
        self.ssl_context = ssl_context
        self.policy = DestinationPolicy.build(
            dev=settings.is_dev, allow_list=settings.webhook_allowed_destinations
        )
        self.timeout_s = settings.webhook_timeout_s
        self.max_response_bytes = settings.webhook_max_response_bytes
        self.interval = settings.webhook_interval_s
        self.concurrency = settings.webhook_concurrency
        self._limits = {"org": settings.webhook_per_org, "host": settings.webhook_per_host}
        self.max_attempts = max_attempts
        self.base_delay = base_delay
        self.batch_size = batch_size
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="webhook-send")
        self._lock = threading.Lock()  # guards the two below, touched by the sending threads
        self._in_flight: dict[int, tuple[_Slot, ...]] = {}
        self._load: Counter[_Slot] = Counter()

    def run_forever(self, stop: threading.Event) -> None:
        """Start due deliveries every ``interval`` seconds until ``stop`` is set."""
        log.info("webhook dispatcher started (interval %ss)", self.interval)
        try:
            while not stop.is_set():
                try:
                    self.dispatch()
                except Exception:  # a database blip must not end the loop for good
                    log.exception("webhook dispatch failed; retrying next tick")
                stop.wait(max(self.interval, 0.05))
        finally:
            self.close()  # waits for sends in flight: each ends by its deadline
        log.info("webhook dispatcher stopped")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def tick(self, now: datetime | None = None) -> int:
        """Start every due delivery that has a free slot and wait for those; returns how many
        HTTP requests were made."""
        return sum(future.result() for future in self.dispatch(now))

    def dispatch(self, now: datetime | None = None) -> list[Future[bool]]:
        """Start due deliveries on free slots without waiting for them; push the rest back."""
        now = now or utcnow()
        with self._lock:
            busy = set(self._in_flight)
        with self.sessions.read() as session:
            due = WebhookRepository(session).list_due(now, self.batch_size, exclude=busy)
        started: list[Future[bool]] = []
        waiting: list[int] = []
        for delivery_id, org_id, url in due:
            future = self._start(delivery_id, (("org", org_id), ("host", _host(url))), now)
            if future is None:
                waiting.append(delivery_id)
            else:
                started.append(future)
        if waiting:
            # Behind what else is due: left at the head of the queue, deliveries to a busy
            # receiver would fill every batch and starve the receivers with free slots.
            with self.sessions.write() as session, session.begin():
                until = now + timedelta(seconds=self.interval)
                WebhookRepository(session).defer(waiting, until)
        return started

    def _start(
        self, delivery_id: int, slots: tuple[_Slot, ...], now: datetime
    ) -> Future[bool] | None:
        with self._lock:
            full = len(self._in_flight) >= self.concurrency or any(
                self._load[slot] >= self._limits[slot[0]] for slot in slots
            )
            if full:
                return None
            self._in_flight[delivery_id] = slots
            self._load.update(slots)
        future = self._pool.submit(self._attempt, delivery_id, now)
        future.add_done_callback(lambda _: self._finished(delivery_id))
        return future

    def _finished(self, delivery_id: int) -> None:
        with self._lock:
            self._load.subtract(self._in_flight.pop(delivery_id, ()))

    def _attempt(self, delivery_id: int, now: datetime) -> bool:
        outgoing = self._prepare(delivery_id)
        if outgoing is None:
            return False
        try:
            outcome = self._post(outgoing, now)
        except Exception:  # a bug must still count as an attempt, or it would retry forever
            log.exception("webhook delivery %d: unexpected error", delivery_id)
            outcome = Outcome(None, CONNECTION_FAILED)
        self._record(outgoing, now, outcome.status_code, outcome.error)
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

    def _post(self, outgoing: _Outgoing, now: datetime) -> Outcome:
        timestamp = int(now.timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Lotproof-Webhooks/1",
            "Lotproof-Event": outgoing.event_type,
            "Lotproof-Delivery": str(outgoing.delivery_id),
            "Lotproof-Timestamp": str(timestamp),
            "Lotproof-Signature": sign(outgoing.secret, timestamp, outgoing.body),
        }
        # No redirects are followed: a 3xx is a failed delivery, never a signed body sent
        # somewhere else (nor a way around the destination check).
        return post(
            outgoing.url,
            outgoing.body,
            headers,
            policy=self.policy,
            timeout_s=self.timeout_s,
            max_response_bytes=self.max_response_bytes,
            ssl_context=self.ssl_context,
        )

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


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{(parts.hostname or '').lower()}:{parts.port or parts.scheme}"
