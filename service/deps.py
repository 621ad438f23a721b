"""FastAPI dependencies: the request's session (owns the transaction) and the caller's org."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, TypeVar

from annotated_types import Interval
from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from service.anchoring.deployment import ChainHealth
from service.apikeys.service import note_use
from service.config import Settings
from service.consumer.cache import AnswerCache
from service.db.base import MAX_ROW_ID as MAX_ROW_ID
from service.db.engine import SessionFactory
from service.db.groupcommit import GroupCommitter
from service.db.models import Organization
from service.errors import LotproofError, Unauthorized
from service.events.group import EventPost, record_posted_events
from service.events.window import EventTimeWindow
from service.files.storage import FileStore
from service.middleware import source_address
from service.orgs.service import authenticate, require_not_suspended
from service.scorecard.summary import ScoreCache

_READ_METHODS = {"GET", "HEAD", "OPTIONS"}


@dataclass
class AppState:
    """Everything the lifespan builds, reachable from a request."""

    settings: Settings
    sessions: SessionFactory
    health: ChainHealth
    files: FileStore | None = None  # built once by the lifespan (an S3 client is costly)
    scores: ScoreCache = field(default_factory=ScoreCache)  # consumer pages' score summaries
    answers: AnswerCache = field(init=False)  # the resolver's answers to hot links
    # Single-event POSTs, written a group at a time by one thread.
    event_posts: GroupCommitter[EventPost, JSONResponse] = field(init=False)

    def __post_init__(self) -> None:
        self.answers = AnswerCache(
            ttl_s=self.settings.consumer_cache_ttl_s,
            grace_s=self.settings.consumer_cache_grace_s,
        )
        window = EventTimeWindow.from_settings(self.settings)
        write = functools.partial(record_posted_events, window=window)
        self.event_posts = GroupCommitter(self.sessions, write, name="event-posts")


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.lotproof
    return state


def get_settings(request: Request) -> Settings:
    return get_state(request).settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: commits when the route returns, rolls back when it raises.

    Services only flush(). An async dependency on purpose: its commit runs on the event loop
    (a short, local call), not in the thread pool. Were it a sync generator, the commit would
    wait for a free pool thread while every pool thread waits for the database write lock
    that this very transaction holds (SQLite), which deadlocks under load until timeouts.
    """
    sessions = get_state(request).sessions
    session = sessions.read() if request.method in _READ_METHODS else sessions.write()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


DbSession = Annotated[Session, Depends(get_session, scope="function")]
CurrentSettings = Annotated[Settings, Depends(get_settings)]
State = Annotated[AppState, Depends(get_state)]


def bearer_key(authorization: str | None) -> str:
    """The API key from an ``Authorization: Bearer <key>`` header, or Unauthorized; whether
    it is a valid key is for the database to say."""
    if not authorization:
        raise Unauthorized("missing Authorization: Bearer <API key>")
    scheme, _, key = authorization.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("Authorization must be 'Bearer <API key>'")
    return key.strip()


# The API key, for routes that check it themselves (``authenticates_in_transaction``).
AuthorizationHeader = Annotated[str | None, Header()]


def get_current_org(
    request: Request, session: DbSession, authorization: AuthorizationHeader = None
) -> Organization:
    key = bearer_key(authorization)
    # In a read session of its own: the request's write transaction (and on SQLite the write
    # lock) then starts in the route itself, not while the dependencies are being resolved.
    sessions = get_state(request).sessions
    with sessions.read() as auth_session:
        api_key, org = authenticate(auth_session, key)
    note_use(sessions, api_key)
    # Checked here, for every write route at once, so no new route can forget it.
    if request.method not in _READ_METHODS:
        require_not_suspended(org)
    # The request's own copy (no SQL: load=False), so that services may change it.
    return session.merge(org, load=False)


CurrentOrg = Annotated[Organization, Depends(get_current_org)]


_CHECK_KEY_IN_TRANSACTION: set[Callable[..., Any]] = set()
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def authenticates_in_transaction(endpoint: Endpoint) -> Endpoint:
    """Marks a route that checks its API key (and the suspension of its organisation) inside
    its own write transaction, as group commit does, instead of through ``CurrentOrg``."""
    _CHECK_KEY_IN_TRANSACTION.add(endpoint)
    return endpoint


async def refusal_before_validation(request: Request) -> LotproofError | None:
    """The 401/403 due to a request whose body failed validation, on a route marked
    ``authenticates_in_transaction``.

    Every other route resolves ``CurrentOrg`` before FastAPI validates the body; this keeps
    the same order everywhere, so an unauthenticated caller learns nothing about validation.
    """
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.endpoint not in _CHECK_KEY_IN_TRANSACTION:
        return None
    try:
        key = bearer_key(request.headers.get("authorization"))
        await run_in_threadpool(_authorize_writer, get_state(request).sessions, key)
    except LotproofError as e:
        return e
    return None


def _authorize_writer(sessions: SessionFactory, key: str) -> None:
    with sessions.read() as session:
        _, org = authenticate(session, key)
    require_not_suspended(org)


def client_address(request: Request) -> str | None:
    """The caller's IP (``service.middleware.source_address``: trusted proxies only)."""
    return source_address(request.scope, get_settings(request))


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
# A row id in a path or query (MAX_ROW_ID: see service.db.base).
RowId = Annotated[int, Interval(ge=1, le=MAX_ROW_ID)]
