"""ASGI middleware: client address, request body cap, security headers, Vary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.config import Settings, proxy_networks
from service.errors import PROBLEM_JSON


def source_address(scope: Scope, settings: Settings) -> str | None:
    """The caller's IP: the direct peer, or, when that peer is a trusted proxy, the
    X-Forwarded-For entry just left of the trusted proxies (read from the right, since only
    the entries the proxies appended can be believed; the client writes the leftmost)."""
    client = scope.get("client")
    peer = str(client[0]) if client else None
    proxies = _proxies(settings.trusted_proxies, settings.trust_forwarded_for)
    if peer is None or not proxies.trusts(peer):
        return peer
    hops = _forwarded_hops(scope)
    if proxies.one_hop:  # the deprecated trust_forwarded_for: only the peer is a proxy
        return hops[-1] if hops else peer
    for hop in reversed(hops):
        if not proxies.trusts(hop):
            return hop
    return hops[0] if hops else peer  # all of them proxies: the farthest one is the client


@dataclass(frozen=True)
class _Proxies:
    networks: tuple[IPv4Network | IPv6Network, ...]
    one_hop: bool  # trust_forwarded_for: whatever connects is the proxy

    def trusts(self, address: str) -> bool:
        if self.one_hop:
            return True
        try:
            ip = ip_address(address)
        except ValueError:  # "unknown", a name: nothing a proxy we trust would be
            return False
        return any(ip in network for network in self.networks)


@lru_cache(maxsize=16)
def _proxies(trusted_proxies: str, trust_forwarded_for: bool) -> _Proxies:
    # Parsed once per value, not per request (settings are fixed for an app's life).
    if trust_forwarded_for and not trusted_proxies.strip():
        return _Proxies((), one_hop=True)
    return _Proxies(proxy_networks(trusted_proxies), one_hop=False)


def _forwarded_hops(scope: Scope) -> list[str]:
    """Every X-Forwarded-For entry, in order, over all such headers."""
    hops: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops += [h.strip() for h in value.decode("latin-1").split(",")]
    return [h for h in hops if h]


class BodySizeLimit:
    def __init__(
        self, app: ASGIApp, *, max_bytes: int, overrides: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Path suffixes with their own cap (uploads, bulk imports); others get max_bytes.
        self.overrides = dict(overrides or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope["path"])
        limit = next(
            (cap for suffix, cap in self.overrides.items() if path.endswith(suffix)),
            self.max_bytes,
        )
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, send)
        except _TooLarge:
            await self._reject(send, limit)

    async def _reject(self, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Payload too large",
                "status": 413,
                "detail": f"request body exceeds {limit} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM_JSON.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


class SecurityHeaders:
    """nosniff and a referrer policy on everything; a strict CSP on every HTML page (a route
    may set its own, as the docs UI does; none is exempt)."""

    def __init__(self, app: ASGIApp, *, html_csp: str) -> None:
        self.app = app
        self.html_csp = html_csp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers.setdefault("X-Frame-Options", "DENY")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", self.html_csp)
            await send(message)

        await self.app(scope, receive, send_with_headers)


# Paths whose answers are negotiated: the resolver (a page, facts JSON or a linkset; errors
# as a page in the shopper's language or problem+json) and the public complaint pages.
NEGOTIATED_PATHS = ("/01/", "/complaints")
NEGOTIATED_BY = ("Accept", "Accept-Language")


class VaryOnNegotiation:
    """``Vary: Accept, Accept-Language`` on every answer of a negotiated path, errors and
    redirects included, so that no shared cache hands a browser's page to a program (or a
    Chinese page to an English reader). Merged with any Vary the route set itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope["path"]).startswith(NEGOTIATED_PATHS):
            await self.app(scope, receive, send)
            return

        async def send_with_vary(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                present = [v.strip() for v in headers.get("vary", "").split(",") if v.strip()]
                lowered = {v.lower() for v in present}
                missing = [v for v in NEGOTIATED_BY if v.lower() not in lowered]
                if missing:
                    headers["Vary"] = ", ".join(present + missing)
            await send(message)

        await self.app(scope, receive, send_with_vary)
