"""Serialized units: commissioning, resolving, the scan log and clone detection."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Scan
from tests.builders import auth, event_body, make_batch, make_org, post_event

JSON = {"Accept": "application/json"}


def commission(client: TestClient, key: str, batch_id: int, count: int) -> list[dict[str, Any]]:
    response = client.post(
        f"/api/v1/batches/{batch_id}/serials", json={"count": count}, headers=auth(key)
    )
    assert response.status_code == 201, response.text
    units: list[dict[str, Any]] = response.json()
    return units


class TestCommissionSerials:
    def test_serials_are_unique_unguessable_and_resolve(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        post_event(client, key, batch["id"], event_body("production"))
        units = commission(client, key, batch["id"], 50)
        serials = [u["serial"] for u in units]
        assert len(set(serials)) == 50
        # 16 base32 characters = 80 random bits, and valid GS1 AI 21 values.
        assert all(re.fullmatch(r"[A-Z2-7]{16}", s) for s in serials)
        unit = units[0]
        assert unit["url"] == f"{batch['qr_url']}/21/{unit['serial']}"
        facts = client.get(unit["url"].removeprefix("http://lotproof.test"), headers=JSON).json()
        assert facts["unit"]["serial"] == unit["serial"]
        assert facts["batch"]["lot"] == batch["lot"]
        assert [r["type"] for r in facts["records"]] == ["production"]
        short = client.get(f"/01/{batch['gtin']}/21/{unit['serial']}", headers=JSON)
        assert short.status_code == 200 and short.json()["unit"]["serial"] == unit["serial"]

    def test_unit_under_the_wrong_lot_is_404(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        (unit,) = commission(client, key, batch["id"], 1)
        wrong = client.get(f"/01/{batch['gtin']}/10/OTHER/21/{unit['serial']}", headers=JSON)
        assert wrong.status_code == 404
        unknown = client.get(f"/01/{batch['gtin']}/21/AAAAAAAAAAAAAAAA", headers=JSON)
        assert unknown.status_code == 404

    def test_only_the_owner_commissions_and_lists(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, other = make_org(sessions)
        batch = make_batch(client, owner)
        url = f"/api/v1/batches/{batch['id']}/serials"
        assert client.post(url, json={"count": 1}, headers=auth(other)).status_code == 403
        assert client.get(url, headers=auth(other)).status_code == 403
        bad = client.post(url, json={"count": 0}, headers=auth(owner))
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "count"


@pytest.fixture
def clone_client(settings: Settings) -> Iterator[TestClient]:
    """Behind a trusted proxy (so tests can vary the source) with a threshold of 3 sources."""
    tuned = settings.model_copy(update={"trust_forwarded_for": True, "clone_threshold": 3})
    with TestClient(create_app(tuned)) as client:
        yield client


class TestCloneDetection:
    def scan_from(self, client: TestClient, url: str, ip: str) -> dict[str, Any]:
        headers = JSON | {"X-Forwarded-For": ip, "User-Agent": "Mozilla/5.0 (iPhone)"}
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        facts: dict[str, Any] = response.json()
        return facts

    def test_flag_only_above_the_threshold(
        self, clone_client: TestClient, sessions: SessionFactory
    ) -> None:
        client = clone_client
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        (unit,) = commission(client, key, batch["id"], 1)
        path = unit["url"].removeprefix("http://lotproof.test")
        # Many scans from one shop's network (same /24) are one source.
        for host in range(1, 10):
            facts = self.scan_from(client, path, f"203.0.113.{host}")
        assert facts["flags"]["suspect_clone"] is False
        for ip in ("198.51.100.7", "192.0.2.9"):
            facts = self.scan_from(client, path, ip)
        assert facts["flags"]["suspect_clone"] is False  # 3 sources: at the threshold
        assert facts["unit"]["scans"] == 11

        facts = self.scan_from(client, path, "2001:db8:1::1")
        assert facts["flags"]["suspect_clone"] is True
        page = client.get(path, headers={"Accept": "text/html", "X-Forwarded-For": "10.1.1.1"})
        assert 'id="clone-banner"' in page.text
        listed = client.get(f"/api/v1/batches/{batch['id']}/serials", headers=auth(key)).json()
        assert listed["items"][0]["suspect_clone"] is True
        assert listed["items"][0]["scans"] == 13

    def test_scan_log_keeps_no_address(
        self, clone_client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(clone_client, key)
        (unit,) = commission(clone_client, key, batch["id"], 1)
        path = unit["url"].removeprefix("http://lotproof.test")
        self.scan_from(clone_client, path, "203.0.113.77")
        with sessions.read() as session:
            (scan,) = session.scalars(select(Scan).order_by(Scan.id.desc()).limit(1)).all()
            assert scan.agent_family == "ios"
            assert len(scan.source) == 16
            assert b"203.0.113" not in scan.source and b"\xcb\x00\x71" not in scan.source
