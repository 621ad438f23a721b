"""Creating organisations, each with its first API key (shown once, stored only as SHA-256)."""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy.orm import Session

from service.auth.keyformat import hash_key, make_key
from service.db.models import ApiKey, Organization, OrgRole
from service.errors import InvalidInput
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
    """A new key for ``org`` (format: ``service.auth.keyformat``); returned once, kept hashed."""
    new = make_key()
    OrgRepository(session).add(ApiKey(org_id=org.id, prefix=new.prefix, key_hash=hash_key(new.key)))
    return new.key
