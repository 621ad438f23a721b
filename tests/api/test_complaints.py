"""Reporting a problem from the consumer page, without an account."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from tests.builders import make_batch, make_org


@pytest.fixture
def batch(client: TestClient, sessions: SessionFactory) -> dict[str, Any]:
    _, key = make_org(sessions)
    return make_batch(client, key)


def form(batch: dict[str, Any], **overrides: str) -> dict[str, str]:
    fields = {
        "link": f"/01/{batch['gtin']}/10/{batch['lot']}",
        "category": "quality",
        "description": "The tea smells of smoke.",
        "contact": "shopper@example.com",
        "lang": "en",
    }
    return fields | overrides


class TestComplaintForm:
    def test_form_files_a_complaint_and_shows_a_tracking_code(
        self, client: TestClient, batch: dict[str, Any]
    ) -> None:
        page = client.get(f"/01/{batch['gtin']}/10/{batch['lot']}", headers={"Accept": "text/html"})
        assert 'action="/complaints"' in page.text
        response = client.post("/complaints", data=form(batch), follow_redirects=False)
        assert response.status_code == 303
        location = response.headers["location"]
        code = re.fullmatch(
            r"/complaints/([A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4})\?lang=en&filed=1", location
        )
        assert code is not None
        status_page = client.get(location)
        assert status_page.status_code == 200
        assert code.group(1) in status_page.text and "smells of smoke" in status_page.text
        # Contact details are for the handler, never shown on the public status page.
        assert "shopper@example.com" not in status_page.text
        as_json = client.get(
            f"/complaints/{code.group(1).lower()}", headers={"Accept": "application/json"}
        )
        assert as_json.json()["status"] == "received"
        assert as_json.json()["link"] == batch["qr_url"]

    def test_invalid_form_names_the_field(self, client: TestClient, batch: dict[str, Any]) -> None:
        response = client.post("/complaints", data=form(batch, description="x"))
        assert (
            response.status_code == 422 and 'aria-describedby="description-error"' in response.text
        )
        # Only a suspected fake may be reported for a code that names no registered product.
        unknown = client.post("/complaints", data=form(batch, link="/01/09506000134352/10/NOPE"))
        assert unknown.status_code == 422 and 'id="category-error"' in unknown.text
        as_json = client.post(
            "/complaints",
            data=form(batch, link="/01/09506000134352/10/NOPE"),
            headers={"Accept": "application/json"},
        )
        assert as_json.status_code == 422 and as_json.json()["errors"][0]["field"] == "link"
        assert "no registered product" in as_json.json()["detail"]

    def test_unknown_tracking_code_is_404(self, client: TestClient) -> None:
        assert client.get("/complaints/AAAA-BBBB-CCCC").status_code == 404


class TestComplaintApi:
    def test_json_api_files_for_a_unit_link(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        unit = client.post(
            f"/api/v1/batches/{batch['id']}/serials",
            json={"count": 1},
            headers={"Authorization": f"Bearer {key}"},
        ).json()[0]
        body = {
            "link": unit["url"].removeprefix("http://lotproof.test"),
            "category": "counterfeit",
            "description": "Seal was broken and re-glued.",
        }
        response = client.post("/api/v1/complaints", json=body)
        assert response.status_code == 201
        assert response.json()["category"] == "counterfeit"
        bad = client.post("/api/v1/complaints", json=body | {"category": "bored"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"


@pytest.fixture
def strict_client(settings: Settings) -> Iterator[TestClient]:
    tuned = settings.model_copy(
        update={"complaints_per_source_per_hour": 2, "trust_forwarded_for": True}
    )
    with TestClient(create_app(tuned)) as client:
        yield client


class TestRateLimit:
    def test_per_source_limit(self, strict_client: TestClient, sessions: SessionFactory) -> None:
        _, key = make_org(sessions)
        batch = make_batch(strict_client, key)
        here = {"X-Forwarded-For": "198.51.100.23"}
        statuses = [
            strict_client.post(
                "/complaints", data=form(batch), headers=here, follow_redirects=False
            ).status_code
            for _ in range(3)
        ]
        assert statuses == [303, 303, 429]
        elsewhere = strict_client.post(
            "/complaints",
            data=form(batch),
            headers={"X-Forwarded-For": "192.0.2.200"},
            follow_redirects=False,
        )
        assert elsewhere.status_code == 303


class TestFormLanguage:
    @pytest.mark.parametrize(
        ("network", "lang", "query"),
        [
            (1, "zh-CN", "?lang=zh-CN&filed=1"),
            (2, "evil&x=1", "?filed=1"),
            (3, "//x.test", "?filed=1"),
        ],
    )
    def test_only_a_language_we_speak_goes_back_into_the_redirect(
        self,
        strict_client: TestClient,
        sessions: SessionFactory,
        network: int,
        lang: str,
        query: str,
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(strict_client, key)
        response = strict_client.post(
            "/complaints",
            data=form(batch, lang=lang),
            # A network of this case's own: the strict client allows two complaints an hour.
            headers={"X-Forwarded-For": f"203.0.{113 + network}.77"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"].endswith(query)
