"""Organisations and API keys. Keys are random, shown once, and stored only as SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from sqlalchemy.orm import Session

from service.db.models import ApiKey, Organization, OrgRole
from service.errors import InvalidInput, Unauthorized
from service.orgs.repository import OrgRepository
from service.orgs.schemas import OrgCreated

KEY_PREFIX = "lp"


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48] or "org"


def _hash_key(key: str) -> bytes:
    # Keys carry 256 random bits, so a plain hash is enough: no password stretching needed.
    return hashlib.sha256(key.encode()).digest()


def create_org(session: Session, *, name: str, role: OrgRole) -> OrgCreated:
    """A new organisation with one API key; the key is in the result and nowhere else."""
    if not name.strip():
        raise InvalidInput("name must not be empty", field="name")
    repo = OrgRepository(session)
    base = slugify(name)
    slug, suffix = base, 2
    while repo.get_by_slug(slug) is not None:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    org = Organization(slug=slug, name=name.strip(), role=role)
    repo.add(org)
    key = issue_api_key(session, org)
    return OrgCreated(id=org.id, slug=org.slug, role=role, api_key=key)


def issue_api_key(session: Session, org: Organization) -> str:
    prefix = secrets.token_hex(6)
    key = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    OrgRepository(session).add(ApiKey(org_id=org.id, prefix=prefix, key_hash=_hash_key(key)))
    return key


def authenticate(session: Session, key: str) -> Organization:
    """The organisation an API key belongs to, or Unauthorized."""
    parts = key.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise Unauthorized("malformed API key")
    found = OrgRepository(session).get_active_key_by_prefix(parts[1])
    if found is None or not hmac.compare_digest(found[0].key_hash, _hash_key(key)):
        raise Unauthorized("unknown or revoked API key")
    return found[1]
