"""What the app factory builds once and every request shares.

``AppState`` holds what every layer understands (settings, sessions) and, besides, the parts
that belong to one domain (the chain's health, the resolver's answer cache, the committer of
event posts...). A part is found by its ``Part`` key, declared by the package the part belongs
to, so that neither this module nor ``service.deps`` imports a domain package, and a part
still comes out with its type::

    ANSWERS: Part[AnswerCache] = Part("resolver answers")  # in service.consumer.cache
    state.provide(ANSWERS, AnswerCache(...))                # in the app factory
    state.part(ANSWERS)                                     # an AnswerCache
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

from starlette.applications import Starlette

from service.config import Settings
from service.db.engine import SessionFactory

T = TypeVar("T")


class Part(Generic[T]):
    """The key of one part of the state; compared by identity, so two parts may share a type."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Part({self.name!r})"


class MissingPart(LookupError):
    """A part asked for that the app factory never provided: a wiring mistake."""


class AppState:
    def __init__(self, settings: Settings, sessions: SessionFactory) -> None:
        self.settings = settings
        self.sessions = sessions
        self._parts: dict[Part[Any], object] = {}

    def provide(self, key: Part[T], part: T) -> T:
        """Make ``part`` the one under ``key`` (replacing any earlier one); returns it."""
        self._parts[key] = part
        return part

    def part(self, key: Part[T]) -> T:
        try:
            found = self._parts[key]
        except KeyError:
            raise MissingPart(f"the app state has no {key.name}") from None
        # Only ``provide`` stores, and it takes a T for a Part[T].
        return cast(T, found)

    def attach_to(self, app: Starlette) -> None:
        app.state.lotproof = self

    @staticmethod
    def of(app: Starlette) -> AppState:
        """The state ``attach_to`` gave ``app`` (its lifespan does, at startup)."""
        state: AppState = app.state.lotproof
        return state
