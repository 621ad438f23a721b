"""The single-event POST, served ahead of FastAPI's routing.

``POST /api/v1/batches/{id}/events`` is the busiest write. FastAPI's routing, dependency
solving and body handling are a large share of such a request's CPU time; this middleware
answers every such POST (``service.events.single.answer``, the one implementation the FastAPI
route calls too) without them. Every other request goes on to the app untouched.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Receive, Scope, Send

from service.events import single


class EventFastLane:
    """ASGI middleware; sits inside the rate limit, the body-size limit and the security
    headers, so single posts get exactly what every other request gets from them."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_single_post(scope):
            await self.app(scope, receive, send)
            return
        try:
            response = await single.answer(scope, receive)
        except ClientDisconnect:
            return
        await response(scope, receive, send)


def _is_single_post(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] == "POST"
        and single.PATH.fullmatch(scope["path"]) is not None
    )
