"""What a shopper meets around complaints: error pages in their language that offer to report a
suspected fake (handled by the admins even for an unregistered code), the form that keeps what
was typed, the tracking page's history, and a lot's complaints counted on its page."""

from __future__ import annotations

import itertools
import re
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.config import Settings
from service.db.engine import SessionFactory
from service.db.models import OrgRole
from service.i18n import Translator
from tests.builders import auth, make_batch, make_org

ZH = Translator("zh-CN")
EN = Translator("en")
UNREGISTERED = "/01/09506000134352/10/NO-SUCH-LOT"
MALFORMED = "/01/12345/10/L1"  # a GTIN of 5 digits
_NETWORKS = itertools.count(secrets.randbelow(2**16))


def fresh_address() -> dict[str, str]:
    """A network (/24) of its own: a distinct source with fresh rate limits."""
    network = next(_NETWORKS) % 2**16
    return {"X-Forwarded-For": f"10.{network // 256}.{network % 256}.7"}


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    tuned = settings.model_copy(
        update={"complaints_per_source_per_hour": 2, "trust_forwarded_for": True}
    )
    with TestClient(create_app(tuned)) as test_client:
        yield test_client


@pytest.fixture
def owner(sessions: SessionFactory) -> str:
    return make_org(sessions)[1]


@pytest.fixture
def batch(client: TestClient, owner: str) -> dict[str, Any]:
    return make_batch(client, owner)


def page(client: TestClient, path: str, lang: str) -> Any:
    return client.get(f"{path}?lang={lang}", headers={"Accept": "text/html"})


def visible_text(html: str) -> str:
    """The page's text as read: no tags, no attribute values."""
    return re.sub(r"<[^>]*>", " ", html)


def report(
    client: TestClient, link: str, category: str = "counterfeit", lang: str = "en", **extra: str
) -> Any:
    fields = {
        "link": link,
        "lang": lang,
        "category": category,
        "description": "Bought at a market stall; the seal is crooked.",
    } | extra
    return client.post("/complaints", data=fields, headers=fresh_address(), follow_redirects=False)


def tracking_code(response: Any) -> str:
    assert response.status_code == 303, response.text
    found = re.match(r"/complaints/([A-Z2-7-]{14})\?", response.headers["location"])
    assert found is not None
    return found.group(1)


class TestErrorPagesSpeakTheShoppersLanguage:
    @pytest.mark.parametrize(
        ("path", "status", "kind"),
        [(MALFORMED, 400, "bad_request"), (UNREGISTERED, 404, "not_found")],
    )
    def test_no_developer_text_and_a_report_form(
        self, client: TestClient, path: str, status: int, kind: str
    ) -> None:
        zh = page(client, path, "zh-CN")
        assert zh.status_code == status and zh.headers["content-language"] == "zh-CN"
        text = visible_text(zh.text)
        # No English on the Chinese page (the brand name and the language switch aside).
        english = set(re.findall(r"[A-Za-z]{3,}", text)) - {"Lotproof", "English", "GTIN", "SHA"}
        assert english == set(), english
        assert ZH(f"error.{kind}.title") in text and ZH("error.report.title") in text
        assert 'name="category" value="counterfeit"' in zh.text
        assert re.search(r'<label for="description">', zh.text)
        assert re.search(r'<label for="contact">', zh.text)
        en = page(client, path, "en")
        assert "expected" not in en.text and "check digit" not in en.text
        assert EN(f"error.{kind}.title") in en.text
        # Programs still get the developer's detail, as problem+json.
        as_json = client.get(path, headers={"Accept": "application/json"})
        assert as_json.status_code == status and as_json.json()["detail"]

    def test_the_reason_a_code_is_malformed_is_named(self, client: TestClient) -> None:
        check_digit = page(client, "/01/09506000134353/10/L1", "zh-CN")
        assert ZH("error.link.gtin_check") in check_digit.text
        qualifiers = page(client, "/01/09506000134352/99/X", "en")
        assert EN("error.link.qualifiers") in qualifiers.text

    def test_unknown_tracking_code_page_offers_no_report(self, client: TestClient) -> None:
        response = page(client, "/complaints/AAAA-BBBB-CCCC", "zh-CN")
        assert response.status_code == 404 and ZH("error.no_complaint.title") in response.text
        assert "AAAA" not in response.text and 'action="/complaints"' not in response.text


class TestReportASuspectedFake:
    @pytest.mark.parametrize("link", [UNREGISTERED, MALFORMED])
    def test_goes_to_the_admins_without_a_batch(
        self, client: TestClient, sessions: SessionFactory, owner: str, link: str
    ) -> None:
        code = tracking_code(report(client, link, lang="zh-CN"))
        _, admin = make_org(sessions, OrgRole.admin)
        listed = client.get("/api/v1/complaints?limit=500&status=received", headers=auth(admin))
        [item] = [i for i in listed.json()["items"] if i["code"] == code]
        assert item["batch"] is None and item["link"] == link
        assert item["category"] == "counterfeit" and item["priority"] == "normal"
        # No supplier sees it; the admins may handle it, each step kept for the tracking page.
        assert code not in client.get("/api/v1/complaints?limit=500", headers=auth(owner)).text
        transition = {"status": "rejected", "reason": "a damaged label, not a copy"}
        url = f"/api/v1/complaints/{code}/transitions"
        assert client.post(url, json=transition, headers=auth(owner)).status_code == 403
        assert client.post(url, json=transition, headers=auth(admin)).status_code == 200
        status = client.get(f"/complaints/{code}", headers={"Accept": "application/json"}).json()
        assert status["link"] is None and status["status"] == "rejected"
        first = status["history"][0]
        assert (first["status"], first["by"]) == ("received", None)
        assert status["history"][1]["reason"] == "a damaged label, not a copy"
        assert status["history"][1]["by"] is not None
        tracking = page(client, f"/complaints/{code}", "zh-CN")
        assert ZH("complaint.unregistered") in tracking.text
        assert ZH("complaint.next.rejected") in tracking.text

    def test_only_a_suspected_fake_for_an_unregistered_code(self, client: TestClient) -> None:
        response = report(client, UNREGISTERED, category="quality", lang="zh-CN")
        assert response.status_code == 422
        assert ZH("complaint.error.unregistered") in response.text
        assert 'aria-describedby="category-error"' in response.text

    def test_same_limits_as_complaints(self, client: TestClient) -> None:
        here = fresh_address()
        fields = {"link": UNREGISTERED, "lang": "en", "category": "counterfeit"}
        fields["description"] = "Looks like a copy."
        statuses = [
            client.post("/complaints", data=fields, headers=here, follow_redirects=False)
            for _ in range(3)
        ]
        assert [r.status_code for r in statuses] == [303, 303, 429]
        assert EN("error.too_many.title") in statuses[2].text


class TestTheFormKeepsWhatWasTyped:
    def test_too_short_description(self, client: TestClient, batch: dict[str, Any]) -> None:
        link = f"/01/{batch['gtin']}/10/{batch['lot']}"
        response = report(
            client, link, category="damaged", lang="zh-CN", description="破", contact="138 0000"
        )
        assert response.status_code == 422 and response.headers["content-language"] == "zh-CN"
        html = response.text
        assert f"<title>{ZH('complaint.form.title')}</title>" in html
        assert ZH("error.bad_request.title") not in html
        assert re.search(
            r'<textarea id="description"[^>]*aria-invalid="true"[^>]*>破</textarea>', html
        )
        assert 'aria-describedby="description-error"' in html
        assert ZH("complaint.error.description_short") in html
        assert 'value="138 0000"' in html and '<option value="damaged" selected>' in html
        assert f'name="link" value="{link}"' in html

    def test_bad_contact_and_category(self, client: TestClient, batch: dict[str, Any]) -> None:
        link = f"/01/{batch['gtin']}/10/{batch['lot']}"
        response = report(client, link, category="bored", contact="x" * 201)
        assert response.status_code == 422
        assert 'aria-describedby="contact-error"' in response.text
        assert 'aria-describedby="category-error"' in response.text
        assert EN("complaint.error.category") in response.text


class TestTrackingPage:
    def test_history_dates_reasons_next_step_and_a_rejection_not_green(
        self, client: TestClient, owner: str, batch: dict[str, Any]
    ) -> None:
        code = tracking_code(report(client, f"/01/{batch['gtin']}/10/{batch['lot']}", "safety"))
        received = page(client, f"/complaints/{code}", "en")
        assert 'data-priority="urgent"' in received.text
        assert "First response due by" in received.text and "(UTC)" in received.text
        assert "The supplier must give a first response by" in received.text
        for status in ("acknowledged", "rejected"):
            body = {"status": status, "reason": f"step {status}: lab found nothing"}
            url = f"/api/v1/complaints/{code}/transitions"
            assert client.post(url, json=body, headers=auth(owner)).status_code == 200
        html = page(client, f"/complaints/{code}", "en").text
        history = html[html.index('id="complaint-history"') :]
        assert history.count("<li") == 3 and history.count("<time") == 3
        assert (
            "step rejected: lab found nothing" in history and EN("complaint.step.filed") in history
        )
        assert 'class="banner complaint-rejected"' in html and "authentic" not in html
        assert EN("complaint.next.rejected") in html


class TestUnitComplaints:
    def test_the_filing_record_keeps_the_serial(
        self, client: TestClient, owner: str, batch: dict[str, Any]
    ) -> None:
        unit = client.post(
            f"/api/v1/batches/{batch['id']}/serials", json={"count": 1}, headers=auth(owner)
        ).json()[0]
        link = unit["url"].removeprefix("http://lotproof.test")
        tracking_code(report(client, link, category="damaged"))
        audit = client.get(f"/api/v1/batches/{batch['id']}/audit", headers=auth(owner)).json()
        [filed] = [i["record"] for i in audit["items"] if "lp:complaint" in i["record"]["event"]]
        assert filed["event"]["lp:complaint"]["serial"] == unit["serial"]
        assert filed["actor"] == "lotproof:public"


class TestLotSummary:
    def test_the_consumer_facts_count_by_category_and_status(
        self, client: TestClient, owner: str, batch: dict[str, Any]
    ) -> None:
        link = f"/01/{batch['gtin']}/10/{batch['lot']}"
        codes = [tracking_code(report(client, link, c)) for c in ("quality", "quality", "safety")]
        body = {"status": "rejected", "reason": "not our product"}
        url = f"/api/v1/complaints/{codes[0]}/transitions"
        assert client.post(url, json=body, headers=auth(owner)).status_code == 200
        facts = client.get(link, headers={"Accept": "application/json"}).json()
        assert facts["complaints"] == {
            "total": 3,
            "by_category": {"quality": 2, "safety": 1},
            "by_status": {"received": 2, "rejected": 1},
            "groups": [
                {"category": "quality", "status": "received", "count": 1},
                {"category": "quality", "status": "rejected", "count": 1},
                {"category": "safety", "status": "received", "count": 1},
            ],
        }
