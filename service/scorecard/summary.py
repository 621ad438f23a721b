"""The scorecard summary a consumer page shows, computed at most every few minutes per org.

A full scorecard re-verifies every inspection record of a supplier's batches in the window:
fine for an inspector's request, far too slow for every scan of every product. Pages show a
summary that is at most ``ttl`` old; the scorecard endpoint always computes afresh.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.db.models import Organization
from service.scorecard.schemas import ScorecardRead
from service.scorecard.service import DEFAULT_WINDOW, build_scorecard

DEFAULT_TTL = timedelta(minutes=1)


class ScoreCache:
    """Per-process cache of default-window scorecards, keyed by organisation id."""

    def __init__(self, ttl: timedelta = DEFAULT_TTL) -> None:
        self.ttl = ttl
        self._lock = threading.Lock()
        self._scores: dict[int, tuple[datetime, ScorecardRead]] = {}

    def get(self, session: Session, org: Organization, now: datetime) -> ScorecardRead:
        with self._lock:
            cached = self._scores.get(org.id)
        if cached is not None and now - cached[0] < self.ttl:
            return cached[1]
        scorecard = build_scorecard(session, org, now - DEFAULT_WINDOW, now)
        with self._lock:
            self._scores[org.id] = (now, scorecard)
        return scorecard
