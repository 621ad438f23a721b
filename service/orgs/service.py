"""Organisations and API keys. Keys are random, shown once, and stored only as SHA-256."""

from __future__ import annotations

import hmac
import re
import unicodedata

from sqlalchemy.orm import Session

from service.apikeys.keyformat import MalformedKey, hash_key, make_key, prefix_of
from service.db.models import ApiKey, Organization, OrgRole
from service.errors import Forbidden, InvalidInput, Unauthorized
from service.orgs.repository import OrgRepository
from service.orgs.schemas import OrgCreated


def slugify(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:48] or "org"


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
    """A new key for ``org`` (format: ``service.apikeys.keyformat``); returned once, kept hashed."""
    new = make_key()
    OrgRepository(session).add(ApiKey(org_id=org.id, prefix=new.prefix, key_hash=hash_key(new.key)))
    return new.key


def require_not_suspended(org: Organization) -> None:
    """Forbidden for a suspended organisation's writes (every write route checks it)."""
    if org.suspended_at is not None:
        raise Forbidden(
            f"organisation '{org.slug}' is suspended since {org.suspended_at:%Y-%m-%d}"
            f" ({org.suspension_reason}); its keys cannot write until an admin lifts it"
        )


def authenticate(session: Session, key: str) -> tuple[ApiKey, Organization]:
    """The unrevoked key row ``key`` matches and its organisation, or Unauthorized."""
    try:
        prefix = prefix_of(key)
    except MalformedKey as e:
        raise Unauthorized(str(e)) from None
    found = OrgRepository(session).get_active_key_by_prefix(prefix)
    # Compared in constant time, so response timing says nothing about how much matched.
    if found is None or not hmac.compare_digest(found[0].key_hash, hash_key(key)):
        raise Unauthorized("unknown or revoked API key")
    return found
