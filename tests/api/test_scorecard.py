"""Supplier scorecards: a recomputable score over anchored inspections and complaints."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.complaints.endpoints import get_now
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import Organization, OrgRole, Record
from tests.builders import auth, make_batch, make_org

NOW = datetime.now(UTC).replace(microsecond=0)
FILED = NOW - timedelta(days=3)
ANSWERED = FILED + timedelta(hours=48)


class Clock:
    def __init__(self) -> None:
        self.now = FILED

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update={"complaints_per_source_per_hour": 100}))
    app.dependency_overrides[get_now] = clock
    with TestClient(app) as test_client:
        yield test_client


def org_id(sessions: SessionFactory, slug: str) -> int:
    with sessions.read() as session:
        return session.scalars(select(Organization.id).where(Organization.slug == slug)).one()


def inspect(client: TestClient, inspector: str, batch_id: int, major_defects: int) -> None:
    # Lot 1000, level II, AQL 1.0: n = 80, Ac 2 / Re 3, so 0 defects accept and 9 reject.
    body = {
        "type": "inspection",
        "event_time": (NOW - timedelta(days=5)).isoformat(),
        "location": "Hangzhou plant 2",
        "sampling": {
            "lot_size": 1000,
            "classes": {"major": {"aql": 1.0, "defects": major_defects}},
        },
    }
    url = f"/api/v1/batches/{batch_id}/events"
    response = client.post(url, json=body, headers=auth(inspector))
    assert response.status_code == 201, response.text


def file_complaint(client: TestClient, batch: dict[str, Any]) -> str:
    body = {
        "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
        "category": "quality",
        "description": "Bitter aftertaste.",
    }
    response = client.post("/api/v1/complaints", json=body)
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


def scorecard(client: TestClient, key: str, target: int, **params: str) -> Any:
    return client.get(f"/api/v1/orgs/{target}/scorecard", params=params, headers=auth(key))


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in body["components"]}


@pytest.fixture
def supplier(
    client: TestClient, sessions: SessionFactory, clock: Clock, worker: AnchoringWorker
) -> dict[str, Any]:
    """Two batches of 1,200 units; 2 passing and 1 failing inspection; 1 complaint answered
    after 48 hours (deadline 7 days); everything anchored."""
    slug, key = make_org(sessions)
    _, inspector = make_org(sessions, OrgRole.inspector)
    first, second = make_batch(client, key), make_batch(client, key)
    inspect(client, inspector, first["id"], 0)
    inspect(client, inspector, second["id"], 9)
    inspect(client, inspector, first["id"], 0)
    code = file_complaint(client, first)
    clock.now = ANSWERED
    move = {"status": "acknowledged", "reason": "looking into it"}
    response = client.post(f"/api/v1/complaints/{code}/transitions", json=move, headers=auth(key))
    assert response.status_code == 200, response.text
    worker.tick()
    return {"slug": slug, "key": key, "id": org_id(sessions, slug), "code": code}


class TestScorecard:
    def test_score_matches_the_formula_by_hand(
        self, client: TestClient, supplier: dict[str, Any]
    ) -> None:
        response = scorecard(
            client, supplier["key"], supplier["id"], formula="lotproof-scorecard/1"
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert (body["org"], body["formula"]) == (supplier["slug"], "lotproof-scorecard/1")
        parts = by_name(body)
        inspections = round(40 * 2 / 3, 2)  # 26.67
        complaints = round(20 * (1 - (1 / 2400 * 1000) / 10), 2)  # 19.17
        response_time = 15 * (168 - 48) / (168 - 24)  # 12.5
        points = {
            "inspection_pass_rate": inspections,
            "complaints_per_1000": complaints,
            "median_first_response_h": response_time,
            "answered_on_time": 15.0,
            "recalls": 10.0,
            "certificate_validity": 0.0,
        }
        assert {name: c["points"] for name, c in parts.items()} == points
        assert sum(c["weight"] for c in body["components"]) == 100
        assert body["score"] == round(sum(points.values()), 1)
        assert parts["inspection_pass_rate"]["inputs"]["not_counted"] == 0
        assert parts["median_first_response_h"]["value"] == 48.0
        assert parts["complaints_per_1000"]["complaint_ids"] == [supplier["code"]]
        assert parts["certificate_validity"]["value"] is None

    def test_version_2_is_the_default_and_weighs_certificates(
        self, client: TestClient, supplier: dict[str, Any]
    ) -> None:
        v1 = scorecard(client, supplier["key"], supplier["id"], formula="lotproof-scorecard/1")
        response = scorecard(client, supplier["key"], supplier["id"])
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["formula"] == "lotproof-scorecard/2"
        parts, old = by_name(body), by_name(v1.json())
        assert parts["inspection_pass_rate"]["points"] == round(35 * 2 / 3, 2)
        # No category of this supplier requires a certificate: nothing measured, full points.
        certificates = parts["certificate_validity"]
        assert (certificates["value"], certificates["weight"], certificates["points"]) == (
            None,
            5,
            5.0,
        )
        assert certificates["inputs"]["required"] == []
        for name in ("complaints_per_1000", "median_first_response_h", "answered_on_time"):
            assert parts[name]["points"] == old[name]["points"]
        assert body["score"] == round(sum(c["points"] for c in body["components"]), 1)

    def test_unknown_formula_is_422(self, client: TestClient, supplier: dict[str, Any]) -> None:
        response = scorecard(client, supplier["key"], supplier["id"], formula="mine/9")
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "formula"

    def test_pass_rate_recomputes_from_the_listed_records(
        self, client: TestClient, sessions: SessionFactory, supplier: dict[str, Any]
    ) -> None:
        part = by_name(scorecard(client, supplier["key"], supplier["id"]).json())
        ids = part["inspection_pass_rate"]["record_ids"]
        assert len(ids) == 3
        with sessions.read() as session:
            records = session.scalars(select(Record).where(Record.id.in_(ids))).all()
            decisions = [
                json.loads(r.content or "{}")["event"]["lp:inspection"]["decision"] for r in records
            ]
        rate = decisions.count("accept") / len(decisions)
        assert part["inspection_pass_rate"]["value"] == round(rate, 4)

    def test_same_facts_give_the_same_scorecard(
        self, client: TestClient, supplier: dict[str, Any]
    ) -> None:
        window = {"from": (NOW - timedelta(days=30)).isoformat(), "to": NOW.isoformat()}
        first = scorecard(client, supplier["key"], supplier["id"], **window)
        second = scorecard(client, supplier["key"], supplier["id"], **window)
        assert first.status_code == 200 and first.content == second.content

    def test_a_window_before_the_facts_measures_nothing(
        self, client: TestClient, supplier: dict[str, Any]
    ) -> None:
        window = {"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"}
        body = scorecard(client, supplier["key"], supplier["id"], **window).json()
        assert body["score"] == 100.0
        assert body["window"] == {"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"}

    def test_unanchored_inspections_do_not_count(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        slug, key = make_org(sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        inspect(client, inspector, make_batch(client, key)["id"], 9)
        part = by_name(scorecard(client, key, org_id(sessions, slug)).json())
        assert part["inspection_pass_rate"]["value"] is None
        assert part["inspection_pass_rate"]["inputs"]["not_counted"] == 1


class TestAccess:
    def test_a_supplier_cannot_read_another_suppliers_scorecard(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        slug, _ = make_org(sessions)
        _, other = make_org(sessions)
        assert scorecard(client, other, org_id(sessions, slug)).status_code == 403

    @pytest.mark.parametrize("role", [OrgRole.inspector, OrgRole.admin])
    def test_inspectors_and_admins_read_any(
        self, client: TestClient, sessions: SessionFactory, role: OrgRole
    ) -> None:
        slug, _ = make_org(sessions)
        _, viewer = make_org(sessions, role)
        assert scorecard(client, viewer, org_id(sessions, slug)).status_code == 200

    def test_other_roles_are_forbidden(self, client: TestClient, sessions: SessionFactory) -> None:
        slug, _ = make_org(sessions)
        _, retailer = make_org(sessions, OrgRole.retailer)
        assert scorecard(client, retailer, org_id(sessions, slug)).status_code == 403

    def test_unknown_org_is_404(self, client: TestClient, sessions: SessionFactory) -> None:
        _, inspector = make_org(sessions, OrgRole.inspector)
        assert scorecard(client, inspector, 10**9).status_code == 404

    def test_reversed_window_is_422(self, client: TestClient, sessions: SessionFactory) -> None:
        slug, key = make_org(sessions)
        window = {"from": NOW.isoformat(), "to": (NOW - timedelta(days=1)).isoformat()}
        assert scorecard(client, key, org_id(sessions, slug), **window).status_code == 422
