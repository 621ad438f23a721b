"""Authenticating a request's API key, and what every write checks of its organisation."""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.auth.keyformat import MalformedKey, hash_key, prefix_of
from service.auth.repository import KeyRepository
from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.db.models import ApiKey, Organization
from service.errors import Forbidden, Unauthorized

# Recording every use would make every request, reads included, a write.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def bearer_key(authorization: str | None) -> str:
    """The API key from an ``Authorization: Bearer <key>`` header, or Unauthorized; whether
    it is a valid key is for the database to say."""
    if not authorization:
        raise Unauthorized("missing Authorization: Bearer <API key>")
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Authorization must be 'Bearer <API key>'")
    return key.strip()


def authenticate(session: Session, key: str) -> tuple[ApiKey, Organization]:
    """The unrevoked key row ``key`` matches and its organisation, or Unauthorized."""
    try:
        prefix = prefix_of(key)
    except MalformedKey as e:
        raise Unauthorized(str(e)) from None
    found = KeyRepository(session).active_key(prefix)
    # Compared in constant time, so response timing says nothing about how much matched.
    if found is None or not hmac.compare_digest(found[0].key_hash, hash_key(key)):
        raise Unauthorized("unknown or revoked API key")
    return found


def authenticate_writer(session: Session, key: str) -> tuple[ApiKey, Organization]:
    """``authenticate``, then ``require_not_suspended``: what a write needs of its key."""
    api_key, org = authenticate(session, key)
    require_not_suspended(org)
    return api_key, org


def require_not_suspended(org: Organization) -> None:
    """Forbidden for a suspended organisation's writes (every write route checks it)."""
    if org.suspended_at is not None:
        raise Forbidden(
            f"organisation '{org.slug}' is suspended since {org.suspended_at:%Y-%m-%d}"
            f" ({org.suspension_reason}); its keys cannot write until an admin lifts it"
        )


def note_use(sessions: SessionFactory, key: ApiKey, now: datetime | None = None) -> None:
    """Record that ``key`` was just used, unless that was already recorded within a minute."""
    now = now or utcnow()
    if _noted_recently(key, now):
        return
    with sessions.write() as session, session.begin():
        KeyRepository(session).set_last_used(key.id, now)


def note_use_in(session: Session, key: ApiKey) -> None:
    """``note_use`` inside a write transaction the caller already holds (group commit)."""
    now = utcnow()
    if not _noted_recently(key, now):
        # Through the ORM: later jobs of the same group then see it noted and write nothing.
        key.last_used_at = now


def _noted_recently(key: ApiKey, now: datetime) -> bool:
    return key.last_used_at is not None and now - key.last_used_at < LAST_USE_RESOLUTION
