"""The FastAPI application: ``create_app(settings)`` wires everything explicitly."""

from __future__ import annotations

import functools
import gc
import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from service.anchoring.deployment import CHAIN_HEALTH, ChainHealth
from service.anchoring.endpoints import router as anchors_router
from service.anchoring.worker import AnchoringWorker
from service.apidocs import install_docs_ui
from service.apikeys.endpoints import router as api_keys_router
from service.audit.endpoints import router as audit_router
from service.batches.endpoints import router as batches_router
from service.batches.labels import LABEL_SHEETS, LabelSheets
from service.categories.endpoints import router as categories_router
from service.certificates.endpoints import orgs_router as org_certificates_router
from service.certificates.endpoints import router as certificates_router
from service.complaints.endpoints import router as complaints_router
from service.complaints.endpoints import workflow_router as complaints_workflow_router
from service.complaints.overdue import watch_overdue
from service.config import Settings
from service.consumer.cache import ANSWERS, AnswerCache
from service.consumer.complaints import router as consumer_complaints_router
from service.consumer.endpoints import router as consumer_router
from service.consumer.page import CONTENT_SECURITY_POLICY, STATIC
from service.corrections.endpoints import router as corrections_router
from service.custody.endpoints import router as custody_router
from service.db import migrate
from service.db.engine import SessionFactory, make_engine
from service.db.groupcommit import GroupCommitter
from service.errors import install_error_handlers
from service.events.bulk import BULK_MAX_BYTES
from service.events.endpoints import router as events_router
from service.events.fastlane import EventFastLane
from service.events.group import EVENT_POSTS, record_posted_events
from service.files.endpoints import router as files_router
from service.files.factory import build_file_store
from service.files.schemas import FILES_PATH
from service.files.storage import FILE_STORE
from service.inspections.endpoints import router as inspections_router
from service.ledger.factory import build_ledger
from service.memory import manage_heap
from service.middleware import BodySizeLimit, SecurityHeaders, VaryOnNegotiation
from service.openapi import OPENAPI_URL, install_problem_responses
from service.operations import add_operational_routes
from service.orgs.endpoints import router as orgs_router
from service.products.endpoints import router as products_router
from service.ratelimit import RateLimit
from service.recalls.endpoints import router as recalls_router
from service.records.window import EventTimeWindow
from service.scorecard.endpoints import router as scorecard_router
from service.scorecard.summary import SCORES, ScoreCache
from service.signatures.endpoints import router as signatures_router
from service.state import AppState
from service.transformations.endpoints import router as transformations_router
from service.transformations.endpoints import trace_router
from service.units.endpoints import router as units_router
from service.webhooks.dispatcher import WebhookDispatcher
from service.webhooks.endpoints import router as webhooks_router

log = logging.getLogger(__name__)


def app_from_environment() -> FastAPI:
    """The app from ``LOTPROOF_*`` settings: the factory ``lotproof serve --workers N`` uses."""
    return create_app(Settings())


def build_state(settings: Settings, sessions: SessionFactory) -> AppState:
    """Everything requests share, built once per process: each part under its package's key."""
    state = AppState(settings, sessions)
    state.provide(CHAIN_HEALTH, ChainHealth())
    state.provide(FILE_STORE, build_file_store(settings))
    state.provide(SCORES, ScoreCache(timedelta(seconds=settings.scorecard_page_ttl_s)))
    answers = AnswerCache(
        ttl_s=settings.consumer_cache_ttl_s, grace_s=settings.consumer_cache_grace_s
    )
    state.provide(ANSWERS, answers)
    state.provide(LABEL_SHEETS, LabelSheets.from_settings(settings))
    window = EventTimeWindow.from_settings(settings)
    write = functools.partial(record_posted_events, window=window)
    state.provide(EVENT_POSTS, GroupCommitter(sessions, write, name="event-posts"))
    return state


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        manage_heap(settings, stop)  # before the other threads
        engine = make_engine(settings.database_url)
        migrate.upgrade(engine)
        state = build_state(settings, SessionFactory(engine))
        state.attach_to(app)
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.http_threads
        worker = AnchoringWorker(
            sessions=state.sessions,
            ledger=build_ledger(settings),
            settings=settings,
            health=state.part(CHAIN_HEALTH),
        )
        # Without the in-process worker (it runs as `lotproof worker`), still watch the chain
        # so that /readyz tells the truth on every instance.
        loop = worker.run_forever if settings.run_worker else worker.watch_forever
        thread = threading.Thread(target=loop, args=(stop,), name="anchoring-worker", daemon=True)
        thread.start()
        # Webhook deliveries go out where the anchoring worker runs (tests tick by hand).
        dispatcher_thread: threading.Thread | None = None
        if settings.run_worker:
            dispatcher = WebhookDispatcher(sessions=state.sessions, settings=settings)
            dispatcher_thread = threading.Thread(
                target=dispatcher.run_forever, args=(stop,), name="webhook-dispatcher", daemon=True
            )
            dispatcher_thread.start()
            threading.Thread(
                target=watch_overdue,
                args=(state.sessions, stop, settings),
                name="overdue",
                daemon=True,
            ).start()
        if settings.gc_freeze:
            gc.freeze()
        try:
            yield
        finally:
            stop.set()
            state.part(EVENT_POSTS).close()
            thread.join(timeout=30)
            if dispatcher_thread is not None:
                dispatcher_thread.join(timeout=10)
            engine.dispose()

    app = FastAPI(
        title="Lotproof",
        version="0.1.0",
        summary="Tamper-evident product traceability anchored to an EVM chain",
        lifespan=lifespan,
        # Metrics are Prometheus (/metrics). FastAPI's own OpenTelemetry hooks look for a
        # provider on every request: CPU on the busiest routes, for nothing.
        telemetry={"tracing": False, "metrics": False},
        # Each a setting, off in prod unless asked for; the docs UI is ours (no CDN).
        openapi_url=OPENAPI_URL if settings.serves_openapi else None,
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    install_problem_responses(app)
    # Uploads get their own cap (plus room for the multipart framing around the file).
    upload_cap = {
        FILES_PATH: settings.max_file_bytes + 64 * 1024,
        "/events:bulk": BULK_MAX_BYTES,
    }
    # Added first, so innermost: requests reach it through the body-size limit and their
    # answers get the security headers, like any route's.
    app.add_middleware(EventFastLane)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, overrides=upload_cap)
    # Before the body is read; its 429s still get the security headers.
    app.add_middleware(RateLimit, settings=settings)
    app.add_middleware(SecurityHeaders, html_csp=CONTENT_SECURITY_POLICY)
    app.add_middleware(VaryOnNegotiation)
    # Routes are matched in order: the two hottest paths (scans and single-event posts) first.
    app.include_router(consumer_router)
    routers = (
        events_router,
        products_router,
        batches_router,
        units_router,
        anchors_router,
        audit_router,
        custody_router,
        files_router,
        inspections_router,
        signatures_router,
        transformations_router,
        trace_router,
    )
    for router in routers:
        app.include_router(router)
    app.include_router(complaints_router)
    app.include_router(consumer_complaints_router)
    app.include_router(complaints_workflow_router)
    app.include_router(recalls_router)
    app.include_router(corrections_router)
    app.include_router(webhooks_router)
    app.include_router(scorecard_router)
    app.include_router(categories_router)
    app.include_router(org_certificates_router)
    app.include_router(certificates_router)
    app.include_router(orgs_router)
    app.include_router(api_keys_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    add_operational_routes(app, settings)
    if settings.serves_docs:
        install_docs_ui(app, OPENAPI_URL)
    return app
