"""Per-source and per-key rate limits, so that no client can take the service from the others.

Three limits, each a rate in the ``limits`` notation ("300/second", or several joined with
";": "300/second;10000/hour"); an empty value turns that limit off:

- ``LOTPROOF_RATE_LIMIT_PER_SOURCE``: every request, with or without a key, per client
  address (``service.middleware.source_address``: X-Forwarded-For only from trusted proxies).
- ``LOTPROOF_RATE_LIMIT_PER_KEY``: requests whose API key is genuine, counted per key (by its
  public prefix, so the secret is never a storage key) on top of the address's budget. A key
  counts as genuine once it has authenticated: invented keys get no budget of their own, and
  nobody can spend a real key's budget with its prefix.
- ``LOTPROOF_RATE_LIMIT_AUTH_FAILURES``: 401 answers per client address. Past it, that address's
  requests with a key are refused until the window has passed: guessing a 256-bit key gets
  nowhere anyway, and this keeps the guessing from costing a database lookup each.

Over a limit, the answer is 429 problem+json with ``Retry-After``. Counts live in this process
(``memory://``) or, shared by every instance, in Redis (``LOTPROOF_RATE_LIMIT_STORAGE=
redis://host:6379``). Operational routes (health, readiness, metrics) are never limited.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.strategies import FixedWindowRateLimiter
from limits.storage import storage_from_string
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.auth.keyformat import MalformedKey, prefix_of
from service.auth.service import authenticate
from service.config import Settings
from service.db.engine import SessionFactory
from service.errors import LotproofError, problem_response
from service.middleware import source_address

UNLIMITED_PATHS = ("/healthz", "/readyz", "/metrics")
# Addresses remembered as having failed to authenticate, before expired ones are dropped.
MAX_SUSPECTS = 10_000
# Keys remembered as genuine (by a digest of the whole key), and for how long: a revoked key
# keeps being counted on its own budget that long, which costs it nothing but 429s sooner.
MAX_GENUINE_KEYS = 10_000
GENUINE_FOR_S = 60.0


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
        self.settings = settings
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
        self._genuine: dict[bytes, tuple[str, float]] = {}  # key digest: (prefix, when)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNLIMITED_PATHS):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        source = source_address(scope, self.settings) or "unknown"
        authorization = headers.get("authorization")
        # Any attempt to authenticate from an address that keeps failing is refused first
        # (looked up only for addresses this process has seen fail: most never do).
        suspect = authorization is not None and self._suspected(source)
        refusal = await self._exhausted(self.failures, source) if suspect else None
        # The address's budget applies to everything: a key, real or made up, adds no room.
        if refusal is None:
            refusal = await self._hit(self.per_source, source)
        if refusal is None and self.per_key.items:
            prefix = await self._genuine_prefix(scope, authorization)
            if prefix is not None:
                refusal = await self._hit(self.per_key, prefix)
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

    async def _genuine_prefix(self, scope: Scope, authorization: str | None) -> str | None:
        """The prefix of the request's key when the key is genuine, else None: remembered for
        a while, else checked against the database (only after the address's budget)."""
        key = _bearer(authorization)
        if key is None:
            return None
        digest = hashlib.sha256(key.encode()).digest()
        now = time.monotonic()
        known = self._genuine.get(digest)
        if known is not None and now - known[1] < GENUINE_FOR_S:
            return known[0]
        sessions: SessionFactory = scope["app"].state.lotproof.sessions
        prefix = await run_in_threadpool(_prefix_if_genuine, sessions, key)
        if prefix is not None:
            if len(self._genuine) >= MAX_GENUINE_KEYS:
                horizon = now - GENUINE_FOR_S
                self._genuine = {d: v for d, v in self._genuine.items() if v[1] >= horizon}
            self._genuine[digest] = (prefix, now)
        return prefix

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


def _bearer(authorization: str | None) -> str | None:
    """The key of a well-formed ``Bearer`` API key header, else None."""
    if not authorization:
        return None
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    try:
        prefix_of(key.strip())
    except MalformedKey:
        return None
    return key.strip()


def _prefix_if_genuine(sessions: SessionFactory, key: str) -> str | None:
    with sessions.read() as session:
        try:
            api_key, _ = authenticate(session, key)
        except LotproofError:  # unknown or revoked: the route says so with its 401
            return None
    return api_key.prefix
