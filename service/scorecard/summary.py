"""The scorecard summary a consumer page shows, computed at most every few minutes per org.

A full scorecard re-verifies every inspection record of a supplier's batches in the window:
fine for an inspector's request, far too slow for every scan of every product. Pages show a
summary that is at most ``ttl`` old; the scorecard endpoint always computes afresh.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.db.models import Organization
from service.scorecard.schemas import ScorecardRead
from service.scorecard.service import DEFAULT_WINDOW, build_scorecard
from service.state import Part

DEFAULT_TTL = timedelta(minutes=1)


Builder = Callable[[Session, Organization, datetime, datetime], ScorecardRead]


class ScoreCache:
    """Per-process cache of default-window scorecards, keyed by organisation id.

    When a supplier's entry expires, every scan of its lots in flight would rebuild it side by
    side, each reading the supplier's history through its own connection, so as many SQLite
    page caches fill at once, memory the allocator then keeps. So one builds and the others
    wait for it and take its result. Builds are serialised per stripe
    of organisations, so suppliers rarely wait for each other.
    """

    def __init__(self, ttl: timedelta = DEFAULT_TTL, builder: Builder = build_scorecard) -> None:
        self.ttl = ttl
        self._build = builder
        self._lock = threading.Lock()
        self._scores: dict[int, tuple[datetime, ScorecardRead]] = {}
        self._building = tuple(threading.Lock() for _ in range(16))

    def get(self, session: Session, org: Organization, now: datetime) -> ScorecardRead:
        cached = self._fresh(org.id, now)
        if cached is not None:
            return cached
        with self._building[org.id % len(self._building)]:
            cached = self._fresh(org.id, now)  # built by the scan this one waited for
            if cached is not None:
                return cached
            scorecard = self._build(session, org, now - DEFAULT_WINDOW, now)
            with self._lock:
                self._scores[org.id] = (now, scorecard)
        return scorecard

    def _fresh(self, org_id: int, now: datetime) -> ScorecardRead | None:
        with self._lock:
            cached = self._scores.get(org_id)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        return None


# The consumer pages' score summaries, one cache per process.
SCORES: Part[ScoreCache] = Part("score summaries")
