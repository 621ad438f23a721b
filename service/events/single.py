"""``POST /api/v1/batches/{batch_id}/events``: the one implementation, whoever serves it.

The busiest write is served by the fast lane (``service.events.fastlane``), a middleware that
answers it ahead of FastAPI's routing, and by its FastAPI route (``service.events.endpoints``),
which documents it and serves it in an app without the lane. Both hand the raw request to
``answer``: parsing, validation, authorisation, idempotency and the answer are this module's,
so the two cannot disagree.

Order of refusals, as on every other write route: a missing or malformed key is a 401 before
anything else; a request that fails validation is refused with its key's 401/403 if it has
one, and only then with a 422 naming every bad field; then the group commit
(``service.events.group``) checks custody and writes.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any

from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import TypeAdapter, ValidationError
from starlette.datastructures import Headers
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Receive, Scope

from service.auth.service import authenticate_writer, bearer_key
from service.db.base import MAX_ROW_ID
from service.db.engine import SessionFactory
from service.errors import UnsupportedMediaType
from service.events.group import EVENT_POSTS, EventPost
from service.events.schemas import EventCreate
from service.idempotency import fingerprint
from service.openapi import body_schema
from service.state import AppState

PATH = re.compile(r"/api/v1/batches/([^/]*)/events")
MAX_IDEMPOTENCY_KEY = 255
_JSON = re.compile(r"application/(?:[\w.+-]+\+)?json")
_BATCH_ID = TypeAdapter(int)
_MAX_ROW_ID_DIGITS = len(str(MAX_ROW_ID))


async def answer(scope: Scope, receive: Receive) -> Response:
    """The response to one single-event POST (``scope["path"]`` must match ``PATH``)."""
    try:
        post = await _post_of(scope, receive)
        response: Response = await AppState.of(scope["app"]).part(EVENT_POSTS).submit(post)
    except ClientDisconnect:
        raise  # nobody to answer
    except Exception as e:  # handed to the app's own exception handlers
        return await _handled(Request(scope, receive), e)
    return response


async def _post_of(scope: Scope, receive: Receive) -> EventPost:
    # Headers and body read directly from the ASGI messages: this is the busiest write, and a
    # starlette Request would cost more than all the parsing here.
    headers = Headers(scope=scope)
    key = bearer_key(headers.get("authorization"))
    errors: list[dict[str, Any]] = []
    batch_id = _batch_id(scope["path"], errors)
    idempotency_key = headers.get("idempotency-key")
    if idempotency_key is not None and len(idempotency_key) > MAX_IDEMPOTENCY_KEY:
        errors.append(_error(("header", "Idempotency-Key"), "at most 255 characters"))
    content_type = headers.get("content-type", "")
    data = None
    if content_type == "application/json" or _is_json(content_type):
        data = _event(await _body(receive), errors)
    if errors or data is None:
        await run_in_threadpool(_authorize, AppState.of(scope["app"]).sessions, key)
        if errors:
            raise RequestValidationError(errors)
        raise UnsupportedMediaType("send the event as application/json", field="Content-Type")
    post_fingerprint = b"" if idempotency_key is None else fingerprint("POST", scope["path"], data)
    return EventPost(key, batch_id, data, idempotency_key, post_fingerprint)


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _batch_id(path: str, errors: list[dict[str, Any]]) -> int:
    match = PATH.fullmatch(path)
    assert match is not None, f"{path} is not a single-event POST"
    text = match[1]
    if text.isascii() and text.isdigit() and len(text) <= _MAX_ROW_ID_DIGITS:
        batch_id = int(text)  # the common case, without a call into pydantic
    else:
        batch_id = _parsed_batch_id(text, errors)
    if not 1 <= batch_id <= MAX_ROW_ID and not errors:
        errors.append(_error(("path", "batch_id"), f"must be from 1 to {MAX_ROW_ID}"))
    return batch_id


def _parsed_batch_id(text: str, errors: list[dict[str, Any]]) -> int:
    try:
        return _BATCH_ID.validate_python(text)
    except ValidationError as e:
        errors += [_error(("path", "batch_id", *err["loc"]), err["msg"]) for err in e.errors()]
        return 0


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";")[0].strip().lower()
    return _JSON.fullmatch(media_type) is not None


def _event(body: bytes, errors: list[dict[str, Any]]) -> EventCreate | None:
    try:
        return EventCreate.model_validate_json(body)
    except ValidationError as e:
        found = e.errors()
    if any(err["type"] == "json_invalid" for err in found):
        # pydantic's parser stops at a nesting depth that Python's accepts: parse again, so
        # that deep ``details`` are refused by the field's own rule, with its name.
        found = _python_parse_errors(body) or found
    errors += [_error(("body", *err["loc"]), err["msg"]) for err in found]
    return None


def _python_parse_errors(body: bytes) -> list[Any]:
    try:
        EventCreate.model_validate(json.loads(body))
    except ValidationError as e:
        return list(e.errors())
    except (ValueError, RecursionError):
        pass
    return []


def _error(loc: tuple[int | str, ...], message: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message, "type": "value_error"}


def _authorize(sessions: SessionFactory, key: str) -> None:
    """The key's 401 or its organisation's 403, checked before a 422 is given."""
    with sessions.read() as session:
        authenticate_writer(session, key)


async def _handled(request: Request, error: Exception) -> Response:
    """The response the app's exception handlers give ``error`` (re-raised if none does)."""
    handlers: dict[Any, Any] = request.app.exception_handlers
    handler = next((handlers[c] for c in type(error).__mro__ if c in handlers), None)
    if handler is None:
        raise error
    response = handler(request, error)
    if inspect.isawaitable(response):
        response = await response
    assert isinstance(response, Response)
    return response


def openapi_operation() -> dict[str, Any]:
    """The operation's parameters and body for the OpenAPI document: what FastAPI would
    derive from typed parameters, which the route cannot have since it hands the raw
    request to ``answer``."""
    return {
        "parameters": [
            {"name": "batch_id", "in": "path", "required": True,
             "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ROW_ID}},
            {"name": "authorization", "in": "header", "required": False,
             "schema": {"type": "string"}},
            {"name": "Idempotency-Key", "in": "header", "required": False,
             "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY}},
        ],
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": body_schema(EventCreate)}},
        },
    }  # fmt: skip
