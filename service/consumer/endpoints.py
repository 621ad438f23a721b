"""The GS1 Digital Link resolver: what a scanned QR code opens (docs/design.md §8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from service.anchoring.deployment import CHAIN_HEALTH
from service.config import Settings
from service.consumer.cache import ANSWERS, Built
from service.consumer.complaint_pages import render_error_page
from service.consumer.linkset import build_linkset
from service.consumer.page import render_batch_page
from service.consumer.schemas import BatchFacts
from service.consumer.service import batch_facts, find_target, log_unit_scan
from service.db.writes import CACHE_NEUTRAL
from service.deps import client_address, get_state
from service.errors import LotproofError, NotFound, problem_response
from service.gs1 import LinkKey, LinkPathError, parse_link_path
from service.i18n import Translator, negotiate_language
from service.scorecard.summary import SCORES
from service.state import AppState

router = APIRouter(tags=["consumer"])
LINKSET_JSON = "application/linkset+json"
RECALL_STATUS = "gs1:recallStatus"
CERTIFICATION_INFO = "gs1:certificationInfo"


def wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def translator_for(request: Request, lang: str | None = None) -> Translator:
    """The language of ``lang`` (a form's field), else of ``?lang=``, else Accept-Language."""
    lang = lang or request.query_params.get("lang")
    return Translator(negotiate_language(lang, request.headers.get("accept-language")))


def error_response(
    request: Request,
    error: LotproofError,
    *,
    lang: str | None = None,
    kind: str | None = None,
    report_link: str | None = None,
) -> Response:
    """problem+json for programs, a page in the shopper's language for browsers: never the
    error's detail (a developer's English), but what it means (``complaint_pages``)."""
    if wants_json(request):
        return problem_response(error.status_code, error.title, error.detail)
    t = translator_for(request, lang)
    page = render_error_page(
        t, status=error.status_code, kind=kind, detail=error.detail, report_link=report_link
    )
    headers = {"Content-Language": t.language}
    return HTMLResponse(page, status_code=error.status_code, headers=headers)


class BadLink(LotproofError):
    status_code = 400
    title = "Malformed product link"


@dataclass(frozen=True)
class AnswerKind:
    """What a request asks of a link: requests asking for the same kind get the same bytes."""

    body: str  # page, facts, linkset, gs1:recallStatus or gs1:certificationInfo
    language: str = ""  # pages only: the negotiated one (?lang= first, then Accept-Language)


def answer_kind(request: Request, link_type: str | None) -> AnswerKind:
    if link_type in ("linkset", "all") or LINKSET_JSON in request.headers.get("accept", ""):
        return AnswerKind("linkset")
    if link_type in (RECALL_STATUS, CERTIFICATION_INFO):
        return AnswerKind(link_type)
    # Every other link type (gs1:traceability, unknown ones) answers with the full facts.
    if (link_type is not None and link_type != "gs1:pip") or wants_json(request):
        return AnswerKind("facts")
    return AnswerKind("page", translator_for(request).language)


# The answer depends on Accept and linkType: a page for people, facts or a linkset for programs.
RESOLVER_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The batch or unit: an HTML page, its facts as JSON, or its linkset",
        "content": {"text/html": {}, "application/json": {}, LINKSET_JSON: {}},
    },
    301: {"description": "Moved to the canonical form of the link"},
}


@router.get(
    "/01/{path:path}",
    response_model=None,
    summary="Resolve a GS1 Digital Link",
    responses=RESOLVER_ANSWERS,
)
async def resolve_digital_link(
    path: str,
    request: Request,
    link_type: Annotated[str | None, Query(alias="linkType")] = None,
) -> Response:
    # Async, and without the session and State dependencies (FastAPI runs sync dependencies in
    # the thread pool), so that a cache hit (a hot lot on a sale day) costs neither a thread
    # hop nor a database session; a miss does the work in the pool.
    state = get_state(request)
    # Parse the raw path: the decoded one has lost the difference between "/" and "%2F".
    raw_path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
    try:
        key, canonical = parse_link_path(raw_path)
    except LinkPathError as e:
        # The scanned text goes with a report of a suspected fake: the admins' only clue.
        return error_response(request, BadLink(str(e)), kind="bad_request", report_link=raw_path)
    if not canonical:
        query = f"?{request.url.query}" if request.url.query else ""
        return RedirectResponse(key.canonical_path() + query, status_code=301)
    kind = answer_kind(request, link_type)
    if key.serial is not None:
        # A unit's answer shows its scan log, which this very request appends to: not cached.
        response = await run_in_threadpool(_log_scan_and_answer, request, state, key, kind)
        response.headers["X-Cache"] = "miss"
        return response
    # Chain health is part of the answer and changes in memory, with no write to notice.
    health = state.part(CHAIN_HEALTH)
    cache_key = (key.canonical_path(), kind, health.state, health.message)
    return await state.part(ANSWERS).answer(
        cache_key, lambda: run_in_threadpool(_answer, request, state, key, kind)
    )


def _log_scan_and_answer(
    request: Request, state: AppState, key: LinkKey, kind: AnswerKind
) -> Response:
    # Its own short write transaction, so that reading the facts (the bulk of the work)
    # runs in a read transaction: on SQLite, scans do not queue behind each other.
    with state.sessions.write() as scan_session, scan_session.begin():
        # A scan changes no batch link's answer: it must not empty the cache of the hot lot.
        scan_session.info[CACHE_NEUTRAL] = True
        log_unit_scan(
            scan_session,
            state.settings,
            key,
            address=client_address(request),
            user_agent=request.headers.get("user-agent"),
        )
    return _answer(request, state, key, kind).response


def _answer(request: Request, state: AppState, key: LinkKey, kind: AnswerKind) -> Built:
    # A read session of our own rather than the request's (which owns write transactions):
    # this path only reads, and the route must not open one for answers served from cache.
    with state.sessions.read() as session:
        try:
            batch, unit = find_target(session, key)
            health, scores = state.part(CHAIN_HEALTH), state.part(SCORES)
            facts = batch_facts(session, state.settings, health, batch, unit, scores)
        except NotFound as e:
            link = key.canonical_path()
            return Built(error_response(request, e, kind="not_found", report_link=link))
    shows = frozenset({batch.id})
    if kind.body == "linkset":
        link = facts.unit.digital_link if facts.unit else facts.batch.digital_link
        body = build_linkset(link, facts.batch.product_name)
        return Built(JSONResponse(body, media_type=LINKSET_JSON), shows)
    if kind.body == "page":
        page = _page(facts, Translator(kind.language), key.canonical_path(), state.settings)
        return Built(page, shows)
    return Built(JSONResponse(_link_type_body(facts, kind.body)), shows)


def _link_type_body(facts: BatchFacts, link_type: str) -> dict[str, Any]:
    if link_type == RECALL_STATUS:
        return {
            "recalled": facts.batch.recalled,
            "recall_reason": facts.batch.recall_reason,
            "on_hold": facts.batch.on_hold,
            "hold_reason": facts.batch.hold_reason,
        }
    if link_type == CERTIFICATION_INFO:
        supplier = facts.supplier
        return {
            "supplier": supplier.name,
            "suspended": supplier.suspended,
            "certificates": [c.model_dump(mode="json") for c in supplier.certificates],
        }
    return facts.model_dump(mode="json")  # gs1:traceability and any other type


def _page(facts: BatchFacts, t: Translator, link_path: str, settings: Settings) -> Response:
    html = render_batch_page(facts, t, link_path=link_path, explorer_url=settings.explorer_url)
    link = facts.unit.digital_link if facts.unit else facts.batch.digital_link
    headers = {
        "Content-Language": t.language,
        "Vary": "Accept, Accept-Language",
        "Link": f'<{link}?linkType=linkset>; rel="linkset"; type="{LINKSET_JSON}"',
    }
    return HTMLResponse(html, headers=headers)
