"""Creating organisations, each with its first API key (shown once, stored only as SHA-256)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.auth.keyformat import hash_key, make_key
from service.db.models import ApiKey, Organization, OrgRole
from service.errors import InvalidInput
from service.orgs.repository import OrgRepository
from service.orgs.schemas import OrgCreated
from service.orgs.slugs import chosen_slug, free_slug


def create_org(
    session: Session, *, name: str, role: OrgRole, slug: str | None = None
) -> OrgCreated:
    """A new organisation with one API key; the key is in the result and nowhere else. Its
    slug is ``slug`` when the operator chose one, else derived from the name
    (``service.orgs.slugs``); it never changes afterwards."""
    if not name.strip():
        raise InvalidInput("name must not be empty", field="name")
    repo = OrgRepository(session)

    def taken(candidate: str) -> bool:
        return repo.get_by_slug(candidate) is not None

    slug = chosen_slug(slug, taken) if slug is not None else free_slug(name, taken)
    org = Organization(slug=slug, name=name.strip(), role=role)
    repo.add(org)
    key = issue_api_key(session, org)
    return OrgCreated(id=org.id, slug=org.slug, role=role, api_key=key)


def issue_api_key(session: Session, org: Organization) -> str:
    """A new key for ``org`` (format: ``service.auth.keyformat``); returned once, kept hashed."""
    new = make_key()
    OrgRepository(session).add(ApiKey(org_id=org.id, prefix=new.prefix, key_hash=hash_key(new.key)))
    return new.key
