"""The consumer pages' scorecard cache builds a supplier's scorecard once per expiry."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy.orm import Session

from service.db.models import Organization
from service.scorecard.schemas import ScorecardRead
from service.scorecard.summary import ScoreCache


class CountingBuilder:
    def __init__(self) -> None:
        self.builds: list[int] = []
        self._lock = threading.Lock()

    def __call__(
        self, session: Session, org: Organization, start: datetime, end: datetime
    ) -> ScorecardRead:
        with self._lock:
            self.builds.append(org.id)
        time.sleep(0.1)  # long enough for every caller to arrive while it builds
        return cast(ScorecardRead, f"scorecard of {org.id} at {end:%H:%M:%S.%f}")


def _scans(cache: ScoreCache, orgs: list[Organization], now: datetime) -> list[object]:
    results: list[object] = [None] * len(orgs)

    def scan(i: int) -> None:
        results[i] = cache.get(cast(Session, None), orgs[i], now)

    threads = [threading.Thread(target=scan, args=(i,)) for i in range(len(orgs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_scans_arriving_together_share_one_build_per_supplier() -> None:
    builder = CountingBuilder()
    cache = ScoreCache(timedelta(minutes=1), builder=builder)
    suppliers = [Organization(id=1), Organization(id=2)]
    now = datetime.now(UTC)
    results = _scans(cache, suppliers * 6, now)
    assert sorted(builder.builds) == [1, 2]
    assert len(set(results)) == 2  # every scan of a supplier got that one build

    _scans(cache, suppliers, now + timedelta(seconds=30))  # still fresh
    assert len(builder.builds) == 2
    _scans(cache, suppliers * 3, now + timedelta(minutes=2))  # expired: one rebuild each
    assert sorted(builder.builds) == [1, 1, 2, 2]
