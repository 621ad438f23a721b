"""Sampling inspections: the service decides, and a rejected lot goes on hold until released."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from service.db.engine import SessionFactory
from service.db.models import OrgRole
from tests.builders import auth, event_body, make_batch, make_org, post_event, scan


def sampling(major_defects: int, *, lot_size: int = 1000) -> dict[str, Any]:
    # Lot 1000, level II -> code letter J, n = 80; AQL 1.0 -> Ac 2 / Re 3 (ISO 2859-1 Table 2-A).
    return {
        "lot_size": lot_size,
        "level": "II",
        "classes": {
            "critical": {"aql": 0.065, "defects": 0},
            "major": {"aql": 1.0, "defects": major_defects},
        },
    }


def inspect(client: TestClient, key: str, batch_id: int, body: dict[str, Any]) -> Any:
    event = event_body("inspection", hours=2) | {"sampling": body}
    return client.post(f"/api/v1/batches/{batch_id}/events", json=event, headers=auth(key))


def audit_event(client: TestClient, key: str, batch_id: int, n: int) -> dict[str, Any]:
    page = client.get(f"/api/v1/batches/{batch_id}/audit", headers=auth(key)).json()
    event: dict[str, Any] = page["items"][n]["record"]["event"]
    return event


class TestSamplingInspection:
    def test_accepted_lot_records_the_plan_and_decision(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        batch = make_batch(client, owner)
        assert inspect(client, inspector, batch["id"], sampling(2)).status_code == 201
        inspection = audit_event(client, inspector, batch["id"], 0)["lp:inspection"]
        # The critical class's AQL 0.065 arrows down from J to L (n = 200, Ac 0 / Re 1): the
        # largest class sample is drawn once.
        assert inspection["decision"] == "accept" and inspection["sampleSize"] == 200
        critical = inspection["classes"]["critical"]
        assert (critical["planLetter"], critical["sampleSize"], critical["ac"]) == ("L", 200, 0)
        major = inspection["classes"]["major"]
        assert (major["codeLetter"], major["sampleSize"], major["ac"], major["re"]) == (
            "J",
            80,
            2,
            3,
        )
        facts = scan(client, batch)
        assert facts["flags"]["on_hold"] is False
        assert facts["records"][0]["inspection_result"] == "pass"

    def test_rejected_lot_goes_on_hold_until_released(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        carrier_slug, _ = make_org(sessions, OrgRole.logistics)
        batch = make_batch(client, owner)
        assert inspect(client, inspector, batch["id"], sampling(3)).status_code == 201
        facts = scan(client, batch)
        assert facts["flags"]["on_hold"] is True
        assert "major" in facts["batch"]["hold_reason"]
        assert facts["records"][0]["inspection_result"] == "fail"
        page = client.get(f"/01/{batch['gtin']}/10/{batch['lot']}", headers={"Accept": "text/html"})
        assert 'id="hold-banner"' in page.text
        # A held batch does not leave the warehouse.
        shipment = event_body("shipping", hours=3) | {"receiver": carrier_slug}
        url = f"/api/v1/batches/{batch['id']}/events"
        assert client.post(url, json=shipment, headers=auth(owner)).status_code == 409
        no_reason = client.post(url, json=event_body("release"), headers=auth(inspector))
        assert no_reason.status_code == 422
        assert no_reason.json()["errors"][0]["field"] == "details.reason"
        post_event(client, inspector, batch["id"], event_body("release", reason="rework done"))
        assert scan(client, batch)["flags"]["on_hold"] is False
        assert client.post(url, json=shipment, headers=auth(owner)).status_code == 201
        again = client.post(url, json=event_body("release", reason="x"), headers=auth(inspector))
        assert again.status_code == 409

    def test_passing_reinspection_lifts_the_hold(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        batch = make_batch(client, owner)
        inspect(client, inspector, batch["id"], sampling(5))
        assert scan(client, batch)["flags"]["on_hold"] is True
        inspect(client, inspector, batch["id"], sampling(0))
        assert scan(client, batch)["flags"]["on_hold"] is False

    def test_the_client_cannot_dictate_the_result(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        batch = make_batch(client, owner)
        url = f"/api/v1/batches/{batch['id']}/events"
        forged = event_body("inspection", result="pass") | {"sampling": sampling(9)}
        response = client.post(url, json=forged, headers=auth(inspector))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "details.result"
        misplaced = event_body("storage") | {"sampling": sampling(0)}
        response = client.post(url, json=misplaced, headers=auth(owner))
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == "sampling"
        bad_aql = sampling(0)
        bad_aql["classes"]["major"]["aql"] = 1.1
        response = inspect(client, inspector, batch["id"], bad_aql)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"].startswith("sampling.")

    def test_sampling_plan_endpoint(self, client: TestClient) -> None:
        plan = client.get(
            "/api/v1/inspections/sampling-plan", params={"lot_size": 1000, "aql": 1.0}
        ).json()
        assert (plan["code_letter"], plan["sample_size"]) == ("J", 80)
        assert (plan["acceptance_number"], plan["rejection_number"]) == (2, 3)


class TestEvidence:
    def test_records_cite_uploaded_files_by_digest(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, owner = make_org(sessions)
        _, inspector = make_org(sessions, OrgRole.inspector)
        batch = make_batch(client, owner)
        report = b"%PDF-1.7\nlab report: pesticide residue below limit\n"
        upload = client.post(
            "/api/v1/files", files={"file": ("lab.pdf", report)}, headers=auth(inspector)
        )
        digest = upload.json()["digest"]
        post_event(client, inspector, batch["id"], event_body("inspection", evidence=[digest]))
        event = audit_event(client, inspector, batch["id"], 0)
        assert event["lp:details"]["evidence"] == [digest]
        assert client.get(f"/api/v1/files/{digest}").content == report
        url = f"/api/v1/batches/{batch['id']}/events"
        unknown = event_body("inspection", evidence=["0x" + "12" * 32])
        response = client.post(url, json=unknown, headers=auth(inspector))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "details.evidence.0"
        # The one rule of every record's citations: each file once.
        twice = event_body("inspection", evidence=[digest, digest])
        response = client.post(url, json=twice, headers=auth(inspector))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "details.evidence.1"
        malformed = client.post(
            url, json=event_body("inspection", evidence=["report.pdf"]), headers=auth(inspector)
        )
        assert malformed.status_code == 422
