"""FastAPI dependencies: the request's session (owns the transaction), the caller's org, and
the parts of the app state (``service.state``) a route asks for.

Only lower layers are imported here: a domain's routes depend on this module, never the
other way round.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Annotated, TypeVar

from annotated_types import Interval
from fastapi import Depends, Header, Request
from sqlalchemy.orm import Session

from service.auth.service import authenticate, bearer_key, note_use, require_not_suspended
from service.config import Settings
from service.db.base import MAX_ROW_ID as MAX_ROW_ID
from service.db.models import Organization
from service.middleware import source_address
from service.state import AppState, Part

_READ_METHODS = {"GET", "HEAD", "OPTIONS"}
T = TypeVar("T")


def get_state(request: Request) -> AppState:
    return AppState.of(request.app)


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


def part(key: Part[T]) -> Callable[[Request], Awaitable[T]]:
    """A dependency on one part of the app state:
    ``Annotated[ChainHealth, Depends(part(CHAIN_HEALTH))]``."""

    # Async: a dictionary lookup needs no trip through the thread pool.
    async def get_part(request: Request) -> T:
        return get_state(request).part(key)

    return get_part


# The API key, as ``get_current_org`` reads it.
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


def client_address(request: Request) -> str | None:
    """The caller's IP (``service.middleware.source_address``: trusted proxies only)."""
    return source_address(request.scope, get_settings(request))


IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=255)]
# A row id in a path or query (MAX_ROW_ID: see service.db.base).
RowId = Annotated[int, Interval(ge=1, le=MAX_ROW_ID)]
