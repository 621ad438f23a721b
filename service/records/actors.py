"""Who a record says acted: an organisation's slug, or one of two reserved actors.

A record's ``actor`` (design §2.3, §2.9) names who really did what it records. Most records are
made by an organisation and carry its slug. Two kinds of record are made by no organisation:

- ``lotproof:public``: a member of the public (a shopper) through the consumer page, for
  example filing a complaint or reporting a suspected fake;
- ``lotproof:service``: the service itself applying a rule, for example a quality alert that
  puts a lot on hold automatically.

Both contain a colon, which no slug can (slugs are ``[a-z0-9-]``), so they can never collide
with an organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

PUBLIC = "lotproof:public"
SERVICE = "lotproof:service"


class Actor(Protocol):
    """What the writer needs of whoever acted: the slug it records, and the organisation id
    it keeps beside the record (``None`` for a reserved actor)."""

    @property
    def slug(self) -> str: ...

    @property
    def id(self) -> int | None: ...


@dataclass(frozen=True)
class ReservedActor:
    slug: str
    id: None = None


THE_PUBLIC = ReservedActor(PUBLIC)
THE_SERVICE = ReservedActor(SERVICE)
