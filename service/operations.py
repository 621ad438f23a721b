"""Operational routes: /healthz, /readyz and /metrics.

/readyz and /metrics are unauthenticated and never rate limited (probes and scrapers must
always get through), so what they cost must not grow with how often they are asked: their
database figures are computed at most once per ``ops_cache_ttl_s`` (one request computes
while the others wait for it and share its answer). In prod, /metrics exists only with a
``metrics_token`` (and then asks for it); in dev it is open.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import text

from service.anchoring.deployment import CHAIN_HEALTH, ChainHealth
from service.anchoring.schemas import AnchoringStatus
from service.anchoring.service import anchoring_status
from service.audit.monitor import latest_run
from service.config import Settings
from service.db.engine import SessionFactory
from service.deps import State, part
from service.errors import Unauthorized
from service.metrics import OLDEST_PENDING_AGE, REGISTRY, monitor_exposition

JSON = "application/json"
Health = Annotated[ChainHealth, Depends(part(CHAIN_HEALTH))]
T = TypeVar("T")


class TtlMemo(Generic[T]):
    """One value, recomputed at most once per ``ttl_s``; concurrent callers of a stale value
    wait for the one recomputing it (single flight) instead of each querying."""

    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._value: T | None = None
        self._at = float("-inf")

    def get(self, compute: Callable[[], T]) -> T:
        with self._lock:  # held while computing: that is the single flight
            if self._value is None or self._clock() - self._at >= self.ttl_s:
                self._value = compute()
                self._at = self._clock()
            return self._value


@dataclass(frozen=True)
class Readiness:
    database: str  # "ok" or "error: <type>"
    anchoring: dict[str, object] | None


@dataclass(frozen=True)
class MetricFigures:
    anchoring: AnchoringStatus
    monitor: bytes  # the last `lotproof monitor` run, in the exposition format


def add_operational_routes(app: FastAPI, settings: Settings) -> None:
    readiness: TtlMemo[Readiness] = TtlMemo(settings.ops_cache_ttl_s)
    figures: TtlMemo[MetricFigures] = TtlMemo(settings.ops_cache_ttl_s)

    @app.get("/healthz", tags=["operations"])
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    not_ready = {"description": "Not ready: the body says which part", "content": {JSON: {}}}

    @app.get("/readyz", tags=["operations"], responses={503: not_ready})
    def readyz(state: State, health: Health) -> JSONResponse:
        found = readiness.get(lambda: _readiness(state.sessions, state.settings))
        ready = found.database == "ok" and health.ok
        body = {
            "ready": ready,
            "database": found.database,
            "chain": {"state": health.state, "message": health.message},
            "anchoring": found.anchoring,
        }
        return JSONResponse(body, status_code=200 if ready else 503)

    if not settings.is_dev and settings.metrics_token is None:
        return  # prod without a token: no /metrics at all (404)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None

    @app.get("/metrics", tags=["operations"], response_class=Response)
    def metrics(request: Request, state: State) -> Response:
        # Read here, not declared as a header: it is no API key, and in dev there is none.
        authorization = request.headers.get("authorization")
        if token is not None and not _bearer_matches(authorization, token):
            raise Unauthorized("/metrics needs Authorization: Bearer <LOTPROOF_METRICS_TOKEN>")
        found = figures.get(lambda: _metric_figures(state.sessions, state.settings))
        OLDEST_PENDING_AGE.set(found.anchoring.oldest_pending_age_s or 0.0)
        exposition = generate_latest(REGISTRY) + found.monitor
        return Response(exposition, media_type=CONTENT_TYPE_LATEST)


def _readiness(sessions: SessionFactory, settings: Settings) -> Readiness:
    try:
        with sessions.read() as session:
            session.execute(text("SELECT 1"))
            status = anchoring_status(session, settings.anchor_stalled_after)
    except Exception as e:  # readiness must report, not crash
        return Readiness(f"error: {type(e).__name__}", None)
    return Readiness("ok", status.model_dump())


def _metric_figures(sessions: SessionFactory, settings: Settings) -> MetricFigures:
    with sessions.read() as session:
        run = latest_run(session)
        status = anchoring_status(session, settings.anchor_stalled_after)
    monitor = monitor_exposition(
        run.checked_at.timestamp() if run else None,
        run.anchors_checked if run else 0,
        len(run.discrepancies) if run else 0,
    )
    return MetricFigures(status, monitor)


def _bearer_matches(authorization: str | None, token: str) -> bool:
    scheme, _, given = (authorization or "").partition(" ")
    # Constant time: the answer's timing says nothing about how much of the token matched.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )
