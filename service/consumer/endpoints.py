"""The GS1 Digital Link resolver: what a scanned QR code opens."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from service.consumer.page import render_batch_page, render_not_found
from service.consumer.service import resolve_batch
from service.deps import DbSession, State
from service.errors import NotFound, problem_response

router = APIRouter(tags=["consumer"])


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


# `path` so that a lot containing "/" (sent as %2F, decoded by the server) still matches.
@router.get("/01/{gtin}/10/{lot:path}", response_model=None)
def resolve_batch_link(
    gtin: str, lot: str, request: Request, session: DbSession, state: State
) -> Response:
    try:
        facts = resolve_batch(
            session, gtin=gtin, lot=lot, public_url=state.settings.public_url, health=state.health
        )
    except NotFound as e:
        if _wants_json(request):
            return problem_response(404, e.title, e.detail)
        return HTMLResponse(render_not_found(e.detail), status_code=404)
    if _wants_json(request):
        return JSONResponse(facts.model_dump(mode="json"))
    return HTMLResponse(render_batch_page(facts))
