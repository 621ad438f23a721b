"""Handling complaints: transitions as records, deadlines, lists, erasure, quality alerts."""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.complaints.endpoints import get_now
from service.complaints.overdue import announce_overdue
from service.config import Settings
from service.db.base import utcnow
from service.db.engine import SessionFactory
from service.db.models import Complaint, OrgRole
from tests.builders import auth, make_batch, make_org, make_product, random_lot, scan

DESCRIPTION = "The tea smells of smoke."
CONTACT = "shopper@example.com"
T0 = datetime(2026, 3, 2, 12, tzinfo=UTC)


class Clock:
    """The app's clock for complaints; None means the real time."""

    def __init__(self) -> None:
        self.now: datetime | None = None

    def __call__(self) -> datetime:
        return self.now or utcnow()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    tuned = settings.model_copy(
        update={"complaints_per_source_per_hour": 100, "trust_forwarded_for": True}
    )
    app = create_app(tuned)
    app.dependency_overrides[get_now] = clock
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def owner(sessions: SessionFactory) -> str:
    return make_org(sessions)[1]


@pytest.fixture
def batch(client: TestClient, owner: str) -> dict[str, Any]:
    return make_batch(client, owner)


# Each complaint from a network (/24) of its own: a distinct source, fresh rate limits.
_NETWORKS = itertools.count(secrets.randbelow(2**16))


def file(
    client: TestClient,
    batch: dict[str, Any],
    address: str | None = None,
    category: str = "quality",
) -> str:
    """File a complaint, by default from a fresh source."""
    body = {
        "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
        "category": category,
        "description": DESCRIPTION,
        "contact": CONTACT,
    }
    if address is None:
        network = next(_NETWORKS) % 2**16
        address = f"10.{network // 256}.{network % 256}.{secrets.randbelow(256)}"
    response = client.post("/api/v1/complaints", json=body, headers={"X-Forwarded-For": address})
    assert response.status_code == 201, response.text
    code: str = response.json()["code"]
    return code


def move(client: TestClient, key: str, code: str, status: str, **extra: Any) -> Any:
    body = {"status": status, "reason": f"moved to {status}"} | extra
    return client.post(f"/api/v1/complaints/{code}/transitions", json=body, headers=auth(key))


def audit_events(client: TestClient, key: str, batch: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"/api/v1/batches/{batch['id']}/audit", headers=auth(key))
    assert response.status_code == 200, response.text
    return [item["record"]["event"] for item in response.json()["items"]]


def complaint_states(events: list[dict[str, Any]], code: str) -> list[str]:
    return [
        e["lp:complaint"]["status"] for e in events if e.get("lp:complaint", {}).get("code") == code
    ]


class TestTransitions:
    @pytest.mark.parametrize(
        "path",
        [
            ["acknowledged", "investigating", "resolved"],
            ["acknowledged", "investigating", "rejected"],
            ["acknowledged", "resolved"],
            ["acknowledged", "rejected"],
            ["rejected"],
        ],
    )
    def test_allowed_paths_each_append_one_record(
        self, client: TestClient, owner: str, batch: dict[str, Any], path: list[str]
    ) -> None:
        code = file(client, batch)
        for status in path:
            response = move(client, owner, code, status)
            assert response.status_code == 200, response.text
            assert response.json()["status"] == status
        events = audit_events(client, owner, batch)
        assert complaint_states(events, code) == ["received", *path]
        # Personal data stays out of anchored records; the description is committed by hash.
        trail = json.dumps(events)
        assert CONTACT not in trail and DESCRIPTION not in trail
        digest = "0x" + hashlib.sha256(DESCRIPTION.encode()).hexdigest()
        assert all(e["lp:complaint"]["descriptionSha256"] == digest for e in events)

    @pytest.mark.parametrize(
        ("path", "forbidden"),
        [
            ([], "resolved"),  # a complaint must be acknowledged before it is resolved
            ([], "investigating"),
            ([], "received"),
            (["acknowledged"], "acknowledged"),
            (["acknowledged", "resolved"], "investigating"),
            (["rejected"], "acknowledged"),
        ],
    )
    def test_forbidden_transitions_are_409_naming_both_states(
        self,
        client: TestClient,
        owner: str,
        batch: dict[str, Any],
        path: list[str],
        forbidden: str,
    ) -> None:
        code = file(client, batch)
        for status in path:
            assert move(client, owner, code, status).status_code == 200
        response = move(client, owner, code, forbidden)
        assert response.status_code == 409, response.text
        current = path[-1] if path else "received"
        assert f"from {current} to {forbidden}" in response.json()["detail"]
        assert len(complaint_states(audit_events(client, owner, batch), code)) == 1 + len(path)

    def test_other_orgs_are_403_and_admins_may_handle(
        self, client: TestClient, sessions: SessionFactory, owner: str, batch: dict[str, Any]
    ) -> None:
        code = file(client, batch)
        other = make_org(sessions)[1]
        assert move(client, other, code, "acknowledged").status_code == 403
        assert client.get(f"/api/v1/complaints/{code}", headers=auth(other)).status_code == 403
        admin = make_org(sessions, OrgRole.admin)[1]
        assert move(client, admin, code, "acknowledged").status_code == 200
        assert move(client, owner, code, "nope").status_code == 422

    def test_evidence_must_be_uploaded_files(
        self, client: TestClient, owner: str, batch: dict[str, Any]
    ) -> None:
        code = file(client, batch)
        data = f"lab report {secrets.token_hex(8)}".encode()
        uploaded = client.post(
            "/api/v1/files",
            files={"file": ("report.txt", data, "text/plain")},
            headers=auth(owner),
        )
        assert uploaded.status_code == 201, uploaded.text
        digest = uploaded.json()["digest"]
        unknown = "0x" + "ab" * 32
        bad = move(client, owner, code, "acknowledged", evidence=[unknown])
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "evidence.0"
        malformed = move(client, owner, code, "acknowledged", evidence=["0x12"])
        assert malformed.status_code == 422
        twice = move(client, owner, code, "acknowledged", evidence=[digest, digest])
        assert twice.status_code == 422 and twice.json()["errors"][0]["field"] == "evidence.1"
        assert move(client, owner, code, "acknowledged", evidence=[digest]).status_code == 200
        events = audit_events(client, owner, batch)
        assert events[-1]["lp:complaint"]["evidence"] == [digest]


class TestDeadlines:
    def test_overdue_only_after_the_deadline_and_until_the_first_response(
        self, client: TestClient, clock: Clock, owner: str, batch: dict[str, Any]
    ) -> None:
        clock.now = T0
        code = file(client, batch)

        def view(*, overdue: bool = False) -> list[dict[str, Any]]:
            query = "?overdue=true" if overdue else ""
            response = client.get(f"/api/v1/complaints{query}", headers=auth(owner))
            assert response.status_code == 200, response.text
            return [i for i in response.json()["items"] if i["code"] == code]

        def overdue_count() -> int:
            response = client.get("/api/v1/complaints/overdue/count", headers=auth(owner))
            assert response.status_code == 200, response.text
            count: int = response.json()["overdue"]
            return count

        deadline = T0 + timedelta(days=7)
        clock.now = deadline  # the deadline itself is still in time
        [item] = view()
        assert datetime.fromisoformat(item["deadline"]) == deadline
        assert item["overdue"] is False and item["first_response_at"] is None
        assert view(overdue=True) == [] and overdue_count() == 0
        clock.now = deadline + timedelta(seconds=1)
        assert view()[0]["overdue"] is True
        assert len(view(overdue=True)) == 1 and overdue_count() == 1
        assert move(client, owner, code, "acknowledged").status_code == 200
        [item] = view()
        assert item["overdue"] is False
        assert datetime.fromisoformat(item["first_response_at"]) == clock.now
        assert view(overdue=True) == [] and overdue_count() == 0
        # Later moves do not change when the complaint was first answered.
        clock.now = deadline + timedelta(days=1)
        assert move(client, owner, code, "investigating").status_code == 200
        assert view()[0]["first_response_at"] == item["first_response_at"]

    @pytest.mark.parametrize(
        ("category", "priority", "due"),
        [("safety", "urgent", timedelta(hours=24)), ("quality", "normal", timedelta(days=7))],
    )
    def test_a_safety_report_is_urgent_and_due_within_hours(
        self,
        client: TestClient,
        clock: Clock,
        owner: str,
        batch: dict[str, Any],
        category: str,
        priority: str,
        due: timedelta,
    ) -> None:
        clock.now = T0
        code = file(client, batch, category=category)
        detail = client.get(f"/api/v1/complaints/{code}", headers=auth(owner)).json()
        assert detail["priority"] == priority
        assert datetime.fromisoformat(detail["deadline"]) == T0 + due
        public = client.get(f"/complaints/{code}", headers={"Accept": "application/json"})
        assert datetime.fromisoformat(public.json()["deadline"]) == T0 + due
        clock.now = T0 + due + timedelta(seconds=1)
        listed = client.get("/api/v1/complaints?overdue=true&limit=500", headers=auth(owner))
        assert [i["code"] for i in listed.json()["items"]] == [code]


class TestOverdueWatch:
    def test_the_watch_announces_a_safety_report_after_its_hours(
        self, client: TestClient, clock: Clock, sessions: SessionFactory, owner: str
    ) -> None:
        batch = make_batch(client, owner)
        clock.now = T0
        safety = file(client, batch, category="safety")
        quality = file(client, batch)
        with sessions.write() as session, session.begin():
            announce_overdue(session, T0 + timedelta(hours=25))
        with sessions.read() as session:
            notified = {
                c.code: c.overdue_notified_at
                for c in session.scalars(
                    select(Complaint).where(Complaint.code.in_([safety, quality]))
                )
            }
        assert notified[safety] is not None and notified[quality] is None


class TestActors:
    def test_the_public_files_and_the_handler_moves(
        self, client: TestClient, sessions: SessionFactory, owner: str, batch: dict[str, Any]
    ) -> None:
        code = file(client, batch)
        admin_slug, admin = make_org(sessions, OrgRole.admin)
        assert move(client, owner, code, "acknowledged").status_code == 200
        assert move(client, admin, code, "resolved").status_code == 200
        response = client.get(f"/api/v1/batches/{batch['id']}/audit", headers=auth(owner))
        records = [
            item["record"]
            for item in response.json()["items"]
            if item["record"]["event"].get("lp:complaint", {}).get("code") == code
        ]
        owner_slug = records[1]["actor"]
        assert [r["actor"] for r in records] == ["lotproof:public", owner_slug, admin_slug]
        assert owner_slug not in ("lotproof:public", admin_slug)
        # A lot's complaint records read as before: no serial member without a unit.
        assert all("serial" not in r["event"]["lp:complaint"] for r in records)


class TestLists:
    def test_supplier_sees_own_batches_admin_all_others_403(
        self, client: TestClient, sessions: SessionFactory, owner: str, batch: dict[str, Any]
    ) -> None:
        mine = [file(client, batch) for _ in range(3)]
        other = make_org(sessions)[1]
        theirs = file(client, make_batch(client, other))
        assert move(client, owner, mine[0], "acknowledged").status_code == 200

        def codes(key: str, query: str = "") -> list[str]:
            response = client.get(f"/api/v1/complaints{query}", headers=auth(key))
            assert response.status_code == 200, response.text
            return [i["code"] for i in response.json()["items"]]

        assert codes(owner) == mine
        assert codes(owner, "?status=acknowledged") == mine[:1]
        assert codes(owner, "?status=received") == mine[1:]
        assert codes(other) == [theirs]
        admin = make_org(sessions, OrgRole.admin)[1]
        assert {*mine, theirs} <= set(codes(admin, "?limit=500"))
        logistics = make_org(sessions, OrgRole.logistics)[1]
        assert client.get("/api/v1/complaints", headers=auth(logistics)).status_code == 403
        count = client.get("/api/v1/complaints/overdue/count", headers=auth(logistics))
        assert count.status_code == 403
        assert client.get("/api/v1/complaints").status_code == 401

    def test_items_and_cursor_paging(
        self, client: TestClient, owner: str, batch: dict[str, Any]
    ) -> None:
        codes = [file(client, batch) for _ in range(3)]
        first = client.get("/api/v1/complaints?limit=2", headers=auth(owner)).json()
        assert [i["code"] for i in first["items"]] == codes[:2]
        item = first["items"][0]
        assert item["batch"] == {"gtin": batch["gtin"], "lot": batch["lot"]}
        assert item["category"] == "quality" and item["status"] == "received"
        assert "contact" not in item and "description" not in item
        rest = client.get(
            f"/api/v1/complaints?limit=2&cursor={first['next_cursor']}", headers=auth(owner)
        ).json()
        assert [i["code"] for i in rest["items"]] == codes[2:] and rest["next_cursor"] is None


class TestContactErasure:
    def test_owner_erases_contact(
        self, client: TestClient, sessions: SessionFactory, owner: str, batch: dict[str, Any]
    ) -> None:
        code = file(client, batch)
        url = f"/api/v1/complaints/{code}"
        assert client.get(url, headers=auth(owner)).json()["contact"] == CONTACT
        other = make_org(sessions)[1]
        assert client.delete(f"{url}/contact", headers=auth(other)).status_code == 403
        assert client.delete(f"{url}/contact", headers=auth(owner)).status_code == 204
        detail = client.get(url, headers=auth(owner)).json()
        assert detail["contact"] is None and detail["description"] == DESCRIPTION
        assert (
            client.delete(
                "/api/v1/complaints/AAAA-BBBB-CCCC/contact", headers=auth(owner)
            ).status_code
            == 404
        )


def small_batch(client: TestClient, key: str, quantity: float) -> dict[str, Any]:
    body = {
        "gtin": make_product(client, key),
        "lot": random_lot(),
        "quantity": quantity,
        "unit": "H87",
        "produced_at": "2026-11-02T08:00:00+08:00",
    }
    response = client.post("/api/v1/batches", json=body, headers=auth(key))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def alerts(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e["lp:alert"] for e in events if "lp:alert" in e]


def review(client: TestClient, key: str, batch: dict[str, Any], decision: str) -> Any:
    url = f"/api/v1/complaints/reviews/{batch['id']}/{decision}"
    return client.post(url, json={"reason": f"{decision}: lab report pending"}, headers=auth(key))


def under_review(client: TestClient, key: str) -> list[int]:
    response = client.get("/api/v1/complaints/reviews", headers=auth(key))
    assert response.status_code == 200, response.text
    return [item["batch_id"] for item in response.json()["items"]]


class TestQualityAlerts:
    def test_third_source_flags_the_batch_and_the_quality_desk_holds_it_once(
        self, client: TestClient, worker: AnchoringWorker, owner: str, sessions: SessionFactory
    ) -> None:
        _, admin = make_org(sessions, OrgRole.admin)
        batch = small_batch(client, owner, 400)  # 3 sources = 7.5 per 1,000
        file(client, batch)
        file(client, batch)
        assert batch["id"] not in under_review(client, admin)
        file(client, batch)
        # Flagged for the quality desk, not held: complaints alone stop nothing.
        assert batch["id"] in under_review(client, admin)
        assert batch["id"] in under_review(client, owner)
        assert scan(client, batch)["flags"]["on_hold"] is False
        assert alerts(audit_events(client, owner, batch)) == []
        assert review(client, owner, batch, "confirm").status_code == 403
        assert review(client, admin, batch, "confirm").status_code == 200
        [alert] = alerts(audit_events(client, owner, batch))
        assert alert["window_days"] == 30 and alert["complaints"] == 3
        assert alert["sources"] == 3 and alert["threshold"] == 3 and alert["per_1000"] == 7.5
        assert alert["review"]["decision"] == "confirmed"
        facts = scan(client, batch)
        assert facts["flags"]["on_hold"] is True
        assert "3 distinct sources" in facts["batch"]["hold_reason"]
        file(client, batch)
        assert len(alerts(audit_events(client, owner, batch))) == 1
        assert batch["id"] not in under_review(client, admin)
        assert review(client, admin, batch, "confirm").status_code == 409
        worker.tick()
        assert scan(client, batch)["verdict"] == "authentic"

    def test_rate_per_1000_units_gates_large_batches(
        self, client: TestClient, owner: str, sessions: SessionFactory
    ) -> None:
        _, admin = make_org(sessions, OrgRole.admin)
        batch = small_batch(client, owner, 1000)  # 4 sources = 4 per 1,000 < 5
        for _ in range(4):
            file(client, batch)
        assert batch["id"] not in under_review(client, admin)
        file(client, batch)  # 5 per 1,000
        assert batch["id"] in under_review(client, admin)

    def test_only_complaints_in_the_window_count(
        self, client: TestClient, clock: Clock, owner: str, sessions: SessionFactory
    ) -> None:
        _, admin = make_org(sessions, OrgRole.admin)
        batch = small_batch(client, owner, 100)
        clock.now = utcnow() - timedelta(days=31)
        file(client, batch)
        file(client, batch)
        clock.now = None
        file(client, batch)
        assert batch["id"] not in under_review(client, admin)
        assert scan(client, batch)["flags"]["on_hold"] is False
