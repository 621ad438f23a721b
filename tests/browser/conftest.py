"""A live server, a headless Debian Chromium and demo batches for the consumer-page tests.

The app runs for real under uvicorn on a free port (so the browser talks HTTP to it), the
batches are made through the public API over that same port, and the anchoring worker is
ticked by hand. Only SQLite: the page does not depend on the database engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import text

from service.anchoring.deployment import ChainHealth
from service.anchoring.worker import AnchoringWorker
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import OrgRole
from service.ledger.factory import build_ledger
from service.orgs.service import create_org
from tests.builders import auth, event_body, make_batch, make_org, post_event
from tests.support.live_server import live_server, live_settings_for
from tests.support.proxy import TcpProxy

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-output" / "screenshots"
DOCS = REPO_ROOT / "docs"

# The batch shown in the README screenshots: fixed names so that the picture is stable.
DEMO_GTIN = "06901234567892"
DEMO_LOT = "LJ-2026-1102"
DEMO_PRODUCT = "Longjing green tea, 250 g"
DEMO_SUPPLIER = "West Lake Tea Co."


@pytest.fixture(scope="session", autouse=True)
def _chromium_installed() -> None:
    """Skip first, before the Hardhat node or a database is started for nothing."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium not installed: apt-get install chromium")


@pytest.fixture(scope="module")
def live_settings(
    database_url: str, chain_proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    if "postgresql" in database_url:
        pytest.skip("browser tests run once, on SQLite")
    return live_settings_for(database_url, chain_proxy.url, tmp_path_factory.mktemp("files"))


@pytest.fixture(scope="module")
def base_url(live_settings: Settings) -> Iterator[str]:
    with live_server(live_settings) as base:
        yield base


@pytest.fixture(scope="module")
def browser(base_url: str) -> Iterator[Browser]:
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
    finally:
        playwright.stop()


@dataclass(frozen=True)
class DemoBatch:
    state: str
    gtin: str
    lot: str
    expected_verdict: str
    batch_id: int
    owner_key: str  # reads the batch by id (its QR code) as the supplier printing labels does

    @property
    def path(self) -> str:
        return f"/01/{self.gtin}/10/{self.lot}"


class BatchFactory:
    """Batches in the four states a shopper can meet, made through the real API + worker."""

    def __init__(self, api: httpx.Client, sessions: SessionFactory, worker: AnchoringWorker):
        self.api = api
        self.sessions = sessions
        self.worker = worker
        _, self.key = make_org(sessions)

    def _batch_with_events(self, key: str, **batch: Any) -> tuple[dict[str, Any], list[int]]:
        # The builders are typed for TestClient, which is an httpx.Client: ours is real HTTP.
        made = make_batch(self.api, key, **batch)
        bodies = [
            event_body("production"),
            event_body("inspection", hours=6, result="pass"),
            event_body("packing", hours=12),
            event_body("storage", hours=30),
        ]
        record_ids = [post_event(self.api, key, made["id"], body)["id"] for body in bodies]
        return made, record_ids

    def _sql(self, statement: str, **params: Any) -> None:
        with self.sessions.write() as session, session.begin():
            result = session.execute(text(statement), params)
            assert result.rowcount == 1, statement

    def make(self, state: str) -> DemoBatch:
        if state == "authentic":
            made, _ = self._batch_with_events(self.key)
            self.worker.tick()
        elif state == "pending":
            made, _ = self._batch_with_events(self.key)
        elif state == "tampered":
            made, record_ids = self._batch_with_events(self.key)
            self.worker.tick()
            self._sql(
                "UPDATE records SET content = replace(content, 'Hangzhou', 'Elsewhere') "
                "WHERE id = :id",
                id=record_ids[1],
            )
        elif state == "recalled":
            made, _ = self._batch_with_events(self.key)
            self.worker.tick()
            recall = {
                "batch_ids": [made["id"]],
                "reason": "Salmonella found in retained sample",
                "severity": "I",
                "instructions": "Do not drink. Return it to the shop for a refund.",
            }
            answer = self.api.post("/api/v1/recalls", json=recall, headers=auth(self.key))
            assert answer.status_code == 201, answer.text
            self.worker.tick()
        else:
            raise ValueError(state)
        verdict = "authentic" if state == "recalled" else state
        return DemoBatch(state, made["gtin"], made["lot"], verdict, made["id"], self.key)

    def make_demo(self) -> DemoBatch:
        """The authentic batch of the README screenshots, with readable names."""
        with self.sessions.write() as session, session.begin():
            key = create_org(session, name=DEMO_SUPPLIER, role=OrgRole.supplier).api_key
        response = self.api.post(
            "/api/v1/products",
            json={
                "gtin": DEMO_GTIN,
                "name": DEMO_PRODUCT,
                "description": "Spring harvest, pan-fired by hand in Hangzhou.",
            },
            headers=auth(key),
        )
        assert response.status_code == 201, response.text
        made, _ = self._batch_with_events(key, gtin=DEMO_GTIN, lot=DEMO_LOT)
        self.worker.tick()
        return DemoBatch("authentic", made["gtin"], made["lot"], "authentic", made["id"], key)


_DEMOS: dict[str, DemoBatch] = {}


@pytest.fixture(scope="module")
def demo_batches(
    base_url: str, live_settings: Settings, request: pytest.FixtureRequest
) -> Iterator[dict[str, DemoBatch]]:
    """One batch per state, keyed by state; "authentic" is the README's demo batch."""
    sessions: SessionFactory = request.getfixturevalue("sessions")
    worker = AnchoringWorker(
        sessions=sessions,
        ledger=build_ledger(live_settings),
        settings=live_settings,
        health=ChainHealth(),
    )
    with httpx.Client(base_url=base_url, timeout=30) as api:
        factory = BatchFactory(api, sessions, worker)
        # The demo's GTIN is fixed and the database lives for the whole session: made once,
        # then shared by every module that shows it.
        demo = _DEMOS.get(live_settings.database_url) or factory.make_demo()
        _DEMOS[live_settings.database_url] = demo
        batches = {"authentic": demo}
        # Pending last: every tick anchors all pending records, whichever batch they belong to.
        for state in ("tampered", "recalled", "pending"):
            batches[state] = factory.make(state)
        yield batches
