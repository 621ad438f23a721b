"""The GS1 Digital Link resolver: what a scanned QR code opens (DESIGN §8)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from service.consumer.i18n import Translator, negotiate_language
from service.consumer.linkset import build_linkset
from service.consumer.page import render_batch_page, render_error_page
from service.consumer.schemas import BatchFacts
from service.consumer.service import log_unit_scan, resolve_link
from service.deps import DbSession, State, client_address
from service.errors import LotproofError, NotFound, problem_response
from service.gs1 import LinkPathError, parse_link_path

router = APIRouter(tags=["consumer"])
LINKSET_JSON = "application/linkset+json"


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def translator_for(request: Request) -> Translator:
    lang = request.query_params.get("lang")
    return Translator(negotiate_language(lang, request.headers.get("accept-language")))


def error_response(request: Request, error: LotproofError) -> Response:
    """problem+json for programs, a page in the shopper's language for browsers."""
    if wants_json(request):
        return problem_response(error.status_code, error.title, error.detail)
    page = render_error_page(translator_for(request), status=error.status_code, detail=error.detail)
    return HTMLResponse(page, status_code=error.status_code)


class BadLink(LotproofError):
    status_code = 400
    title = "Malformed product link"


@router.get("/01/{path:path}", response_model=None, summary="Resolve a GS1 Digital Link")
def resolve_digital_link(
    path: str,
    request: Request,
    session: DbSession,
    state: State,
    link_type: Annotated[str | None, Query(alias="linkType")] = None,
) -> Response:
    # Parse the raw path: the decoded one has lost the difference between "/" and "%2F".
    raw_path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
    try:
        key, canonical = parse_link_path(raw_path)
    except LinkPathError as e:
        return error_response(request, BadLink(str(e)))
    if not canonical:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(key.canonical_path() + query, status_code=301)
    if key.serial is not None:
        # Its own short write transaction, so that reading the facts (the bulk of the work)
        # runs in a read transaction: on SQLite, scans do not queue behind each other.
        with state.sessions.write() as scan_session, scan_session.begin():
            log_unit_scan(
                scan_session,
                state.settings,
                key,
                address=client_address(request),
                user_agent=request.headers.get("user-agent"),
            )
    try:
        facts = resolve_link(session, state.settings, state.health, key, state.scores)
    except NotFound as e:
        return error_response(request, e)
    accept = request.headers.get("accept", "")
    if link_type in ("linkset", "all") or LINKSET_JSON in accept:
        link = facts.unit.digital_link if facts.unit else facts.batch.digital_link
        body = build_linkset(link, facts.batch.product_name)
        return JSONResponse(body, media_type=LINKSET_JSON)
    if link_type is not None and link_type != "gs1:pip":
        return JSONResponse(_link_type_body(facts, link_type))
    if wants_json(request):
        return JSONResponse(facts.model_dump(mode="json"))
    return _page(request, facts, key.canonical_path(), state.settings.explorer_url)


def _link_type_body(facts: BatchFacts, link_type: str) -> dict[str, Any]:
    if link_type == "gs1:recallStatus":
        return {
            "recalled": facts.batch.recalled,
            "recall_reason": facts.batch.recall_reason,
            "on_hold": facts.batch.on_hold,
            "hold_reason": facts.batch.hold_reason,
        }
    if link_type == "gs1:certificationInfo":
        supplier = facts.supplier
        return {
            "supplier": supplier.name,
            "suspended": supplier.suspended,
            "certificates": [c.model_dump(mode="json") for c in supplier.certificates],
        }
    return facts.model_dump(mode="json")  # gs1:traceability and any other type


def _page(request: Request, facts: BatchFacts, link_path: str, explorer: str | None) -> Response:
    t = translator_for(request)
    html = render_batch_page(facts, t, link_path=link_path, explorer_url=explorer)
    link = facts.unit.digital_link if facts.unit else facts.batch.digital_link
    headers = {
        "Content-Language": t.language,
        "Vary": "Accept, Accept-Language",
        "Link": f'<{link}?linkType=linkset>; rel="linkset"; type="{LINKSET_JSON}"',
    }
    return HTMLResponse(html, headers=headers)
