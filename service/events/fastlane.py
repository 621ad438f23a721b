"""The plain single-event POST, served without FastAPI's per-request machinery.

``POST /api/v1/batches/{id}/events`` is the busiest write. FastAPI's routing, dependency
solving and body handling cost about 0.25 ms of CPU per request on a 2-core machine, a third
of the whole request (measured: the same validation in a bare ASGI app costs 0.15 ms per
request, in a FastAPI route 0.39 ms). This middleware serves the route's plain case, a JSON
body that validates as ``EventCreate`` with a bearer key and no Idempotency-Key, by handing
it to the same group commit (``service.events.group``) and answering errors with the app's
own exception handlers.

Everything else goes on, with its body, to the FastAPI route
(``service.events.endpoints.record_event``), which stays the documented and complete
implementation: invalid bodies, missing keys, Idempotency-Key, other content types. So the
lane never has to say why a request is wrong; it only recognises one that is right.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.deps import MAX_ROW_ID, AppState, bearer_key
from service.errors import Unauthorized
from service.events.group import EventPost
from service.events.schemas import EventCreate

_PATH = re.compile(r"/api/v1/batches/([1-9][0-9]{0,9})/events")


class EventFastLane:
    """ASGI middleware; sits inside the body-size limit and the security headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        batch_id = _batch_of(scope)
        key = _plain_key(scope) if batch_id is not None else None
        if batch_id is None or key is None:
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away
            return
        try:
            data = EventCreate.model_validate_json(body)
        except ValidationError:
            await self.app(scope, _replay(body, receive), send)
            return
        state: AppState = scope["app"].state.lotproof
        try:
            response: Response = await state.event_posts.submit(EventPost(key, batch_id, data))
        except Exception as e:
            response = await _handled(scope, e)
        await response(scope, receive, send)


def _batch_of(scope: Scope) -> int | None:
    """The batch id of a single-event POST, or None for any other request."""
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    match = _PATH.fullmatch(scope["path"])
    if match is None or int(match[1]) > MAX_ROW_ID:
        return None
    return int(match[1])


def _plain_key(scope: Scope) -> str | None:
    """The bearer key of a plain post (JSON, no Idempotency-Key), or None."""
    headers = Headers(scope=scope)
    media_type = headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json" or "idempotency-key" in headers:
        return None
    try:
        return bearer_key(headers.get("authorization"))
    except Unauthorized:
        return None


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the next app: the body already read, then the client's messages."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return replayed


async def _handled(scope: Scope, error: Exception) -> Response:
    """The response the app's exception handlers give ``error`` (re-raised if none does)."""
    handlers: dict[Any, Any] = scope["app"].exception_handlers
    handler = next((handlers[c] for c in type(error).__mro__ if c in handlers), None)
    if handler is None:
        raise error
    response = handler(Request(scope), error)
    if inspect.isawaitable(response):
        response = await response
    assert isinstance(response, Response)
    return response
