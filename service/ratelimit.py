"""Per-key and per-source rate limits, so that no client can take the service from the others.

Three limits, each a rate in the ``limits`` notation ("300/second", or several joined with
";": "300/second;10000/hour"); an empty value turns that limit off:

- ``LOTPROOF_RATE_LIMIT_PER_KEY``: requests that carry an API key, counted per key (by its
  public prefix, so the secret is never a storage key).
- ``LOTPROOF_RATE_LIMIT_PER_SOURCE``: requests without a key (the public resolver and its
  pages, complaints) per client address.
- ``LOTPROOF_RATE_LIMIT_AUTH_FAILURES``: 401 answers per client address. Past it, that address's
  requests with a key are refused until the window has passed: guessing a 256-bit key gets
  nowhere anyway, and this keeps the guessing from costing a database lookup each.

Over a limit, the answer is 429 problem+json with ``Retry-After``. Counts live in this process
(``memory://``) or, shared by every instance, in Redis (``LOTPROOF_RATE_LIMIT_STORAGE=
redis://host:6379``). Operational routes (health, readiness, metrics) are never limited.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.apikeys.keyformat import MalformedKey, prefix_of
from service.config import Settings
from service.errors import problem_response
from service.middleware import source_address

UNLIMITED_PATHS = ("/healthz", "/readyz", "/metrics")
# Addresses remembered as having failed to authenticate, before expired ones are dropped.
MAX_SUSPECTS = 10_000


def parse_limits(value: str) -> list[RateLimitItem]:
    """The limits of a setting ("" = none); ValueError names a malformed one."""
    return parse_many(value) if value.strip() else []


@dataclass(frozen=True)
class _Limit:
    items: list[RateLimitItem]
    namespace: str  # what is counted, for the storage key and the 429's detail
    what: str


class RateLimit:
    """ASGI middleware; sits inside the security headers, before the body is read."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.trust_forwarded_for = settings.trust_forwarded_for
        storage = storage_from_string("async+" + settings.rate_limit_storage)
        self.limiter = FixedWindowRateLimiter(storage)
        self.per_key = _Limit(parse_limits(settings.rate_limit_per_key), "key", "API key")
        self.per_source = _Limit(
            parse_limits(settings.rate_limit_per_source), "source", "client address"
        )
        self.failures = _Limit(
            parse_limits(settings.rate_limit_auth_failures),
            "auth-failures",
            "client address after failed authentications",
        )
        # Addresses that got a 401 here, with when: only they are looked up in the storage.
        self._suspects: dict[str, float] = {}
        self._failure_window_s = max((i.get_expiry() for i in self.failures.items), default=0)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED_PATHS):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        source = source_address(scope, self.trust_forwarded_for) or "unknown"
        authorization = headers.get("authorization")
        key_prefix = _key_prefix(authorization)
        # Any attempt to authenticate from an address that keeps failing is refused first
        # (looked up only for addresses this process has seen fail: most never do).
        suspect = authorization is not None and self._suspected(source)
        refusal = await self._exhausted(self.failures, source) if suspect else None
        if refusal is None and key_prefix is None:
            refusal = await self._hit(self.per_source, source)
        elif refusal is None and key_prefix is not None:
            refusal = await self._hit(self.per_key, key_prefix)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if not self.failures.items:
            await self.app(scope, receive, send)
            return

        async def send_noting_failures(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] == 401:
                self._suspect(source)
                for item in self.failures.items:
                    await self.limiter.hit(item, self.failures.namespace, source)
            await send(message)

        await self.app(scope, receive, send_noting_failures)

    def _suspect(self, source: str) -> None:
        now = time.monotonic()
        if len(self._suspects) >= MAX_SUSPECTS:  # forget those whose window has passed
            horizon = now - self._failure_window_s
            self._suspects = {s: t for s, t in self._suspects.items() if t >= horizon}
        self._suspects[source] = now

    def _suspected(self, source: str) -> bool:
        seen = self._suspects.get(source)
        return seen is not None and time.monotonic() - seen < self._failure_window_s

    async def _hit(self, limit: _Limit, identity: str) -> JSONResponse | None:
        for item in limit.items:
            if not await self.limiter.hit(item, limit.namespace, identity):
                return await self._refusal(limit, item, identity)
        return None

    async def _exhausted(self, limit: _Limit, identity: str) -> JSONResponse | None:
        for item in limit.items:
            if not await self.limiter.test(item, limit.namespace, identity):
                return await self._refusal(limit, item, identity)
        return None

    async def _refusal(self, limit: _Limit, item: RateLimitItem, identity: str) -> JSONResponse:
        stats = await self.limiter.get_window_stats(item, limit.namespace, identity)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        return problem_response(
            429,
            "Too many requests",
            f"rate limit of {item} per {limit.what} reached; retry in {retry_after} s",
            headers={"Retry-After": str(retry_after)},
        )


def _key_prefix(authorization: str | None) -> str | None:
    """The public prefix of a bearer key; None without one (or with a malformed one, which
    is then counted by its source like any request without a key)."""
    if not authorization:
        return None
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        return prefix_of(key.strip())
    except MalformedKey:
        return None
