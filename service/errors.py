"""Our error types and their RFC 9457 problem+json rendering."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)


class LotproofError(Exception):
    """Base of every error a service raises on purpose; carries its HTTP status."""

    status_code = 400
    title = "Bad request"
    # Seconds a client should wait before trying again (503, 429): sent as Retry-After.
    retry_after_s: int | None = None

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        # Several problems at once (bulk imports): each a dict with at least "message".
        self.errors: list[dict[str, Any]] | None = None


class NotFound(LotproofError):
    status_code = 404
    title = "Not found"


class Unauthorized(LotproofError):
    status_code = 401
    title = "Unauthorized"


class Forbidden(LotproofError):
    status_code = 403
    title = "Forbidden"


class Conflict(LotproofError):
    status_code = 409
    title = "Conflict"


class InvalidInput(LotproofError):
    status_code = 422
    title = "Invalid input"


class PayloadTooLarge(LotproofError):
    status_code = 413
    title = "Payload too large"


class UnsupportedMediaType(LotproofError):
    status_code = 415
    title = "Unsupported media type"


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    body["detail"] = detail
    if errors:
        body["errors"] = errors
    all_headers = dict(headers or {})
    if status == 401:
        all_headers["WWW-Authenticate"] = "Bearer"
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=all_headers)


def _field_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    # FastAPI prefixes locations with "body"/"query"/"path"; keep the rest as a dotted path.
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header"} and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts)


async def _on_lotproof_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, LotproofError)
    errors = exc.errors or ([{"field": exc.field, "message": exc.detail}] if exc.field else None)
    headers = {"Retry-After": str(exc.retry_after_s)} if exc.retry_after_s is not None else None
    return problem_response(exc.status_code, exc.title, exc.detail, errors=errors, headers=headers)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field_path(e["loc"]), "message": e["msg"]} for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return problem_response(422, "Invalid input", detail, errors=errors)


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        # RFC 9110: list every method of the path. Starlette names only those of the first
        # route it tried, and a path often has several (GET and POST .../serials).
        headers["Allow"] = _allowed_methods(request)
    detail = str(exc.detail)
    return problem_response(exc.status_code, detail, detail, headers=headers)


def _allowed_methods(request: Request) -> str:
    methods: set[str] = set()
    for route in request.app.router.routes:
        if isinstance(route, Route) and route.methods:
            match, _ = route.matches(request.scope)
            if match != Match.NONE:
                methods |= route.methods
    return ", ".join(sorted(methods))


async def _on_integrity_error(_: Request, exc: Exception) -> JSONResponse:
    # Two concurrent requests raced for the same unique thing (GTIN, lot, idempotency key);
    # the loser's transaction was rolled back, so nothing is half-written. Retrying is safe.
    return problem_response(409, "Conflict", "a concurrent request wrote the same thing; retry")


async def _on_data_error(_: Request, exc: Exception) -> JSONResponse:
    # The database refused a value (a number beyond its column, say) that the request's
    # schema let through: the request is at fault, and nothing was written.
    log.warning("database refused a value: %s", type(exc).__name__)
    return problem_response(422, "Invalid input", "a value in the request is out of range")


async def _on_operational_error(_: Request, exc: Exception) -> JSONResponse:
    log.error("database unavailable: %s", type(exc).__name__)
    return problem_response(503, "Service unavailable", "the database is unavailable; retry")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LotproofError, _on_lotproof_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(IntegrityError, _on_integrity_error)
    app.add_exception_handler(OperationalError, _on_operational_error)
    app.add_exception_handler(DataError, _on_data_error)
