"""Scan sources without personal data, and clone detection from them.

A source is an HMAC of the client's network prefix (IPv4 /24, IPv6 /48): enough to tell
"many places" from "one shop", never enough to recover an address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import re
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from service.config import Settings
from service.db.base import utcnow
from service.db.models import Scan, ServiceSecret, Unit
from service.units.repository import UnitRepository

_SOURCE_KEY_NAME = "source-hash-key"
_AGENT_FAMILIES = (
    ("bot", re.compile(r"bot|crawler|spider|curl|wget|python|httpx", re.I)),
    ("wechat", re.compile(r"MicroMessenger", re.I)),
    ("alipay", re.compile(r"AlipayClient", re.I)),
    ("ios", re.compile(r"iPhone|iPad|iOS", re.I)),
    ("android", re.compile(r"Android", re.I)),
    ("windows", re.compile(r"Windows", re.I)),
    ("mac", re.compile(r"Macintosh|Mac OS", re.I)),
    ("linux", re.compile(r"Linux|X11", re.I)),
)


def agent_family(user_agent: str | None) -> str:
    """A coarse family (ios, android, wechat, bot, ...): never the full user-agent string."""
    for family, pattern in _AGENT_FAMILIES:
        if user_agent and pattern.search(user_agent):
            return family
    return "other"


def network_prefix(address: str | None) -> str:
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def source_key(session: Session, settings: Settings) -> bytes:
    """The HMAC key: configured, or made once and kept in the database for every instance."""
    if settings.source_hash_key is not None:
        return settings.source_hash_key.get_secret_value().encode()
    row = session.get(ServiceSecret, _SOURCE_KEY_NAME)
    if row is None:
        row = ServiceSecret(name=_SOURCE_KEY_NAME, value=secrets.token_bytes(32))
        session.add(row)
        session.flush()
    return row.value


def source_of(session: Session, settings: Settings, address: str | None) -> bytes:
    key = source_key(session, settings)
    return hmac.new(key, network_prefix(address).encode(), hashlib.sha256).digest()[:16]


def record_scan(
    session: Session, settings: Settings, unit: Unit, *, address: str | None, user_agent: str | None
) -> None:
    """Log one resolution of ``unit``; flag it once its sources exceed the threshold."""
    repo = UnitRepository(session)
    now = utcnow()
    repo.add_scan(
        Scan(
            unit_id=unit.id,
            source=source_of(session, settings, address),
            agent_family=agent_family(user_agent),
            scanned_at=now,
        )
    )
    if unit.suspect_clone_at is not None:
        return
    since = now - timedelta(hours=settings.clone_window_hours)
    if repo.count_distinct_sources(unit.id, since) > settings.clone_threshold:
        unit.suspect_clone_at = now
        session.flush()
