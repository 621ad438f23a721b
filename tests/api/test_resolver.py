"""The GS1 Digital Link resolver: canonical paths, errors, content negotiation, linksets."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.anchoring.worker import AnchoringWorker
from service.app import create_app
from service.config import Settings
from service.consumer.complaint_pages import link_reason_key
from service.db.engine import SessionFactory
from service.db.models import OrgRole
from service.gs1 import gtin_check_digit
from service.i18n import Translator
from service.ledger.factory import build_ledger
from tests.builders import (
    auth,
    event_body,
    failing_sampling,
    make_batch,
    make_org,
    make_product,
    post_event,
)

JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html"}


@pytest.fixture
def batch(client: TestClient, sessions: SessionFactory) -> dict[str, Any]:
    _, key = make_org(sessions)
    made = make_batch(client, key, lot="AB/12-x")
    post_event(client, key, made["id"], event_body("production"))
    return made


def path_of(batch: dict[str, Any]) -> str:
    return f"/01/{batch['gtin']}/10/AB%2F12-x"


class TestCanonicalPaths:
    def test_percent_encoded_lot_resolves(self, client: TestClient, batch: dict[str, Any]) -> None:
        response = client.get(path_of(batch), headers=JSON)
        assert response.status_code == 200
        assert response.json()["batch"]["lot"] == "AB/12-x"
        assert response.json()["batch"]["digital_link"].endswith(path_of(batch))

    @pytest.mark.parametrize("length", [13, 12, 8])
    def test_short_gtin_redirects_permanently(
        self, client: TestClient, sessions: SessionFactory, length: int
    ) -> None:
        _, key = make_org(sessions)
        body = "000000" + "".join(str(secrets.randbelow(10)) for _ in range(7))
        gtin = make_product(client, key, gtin=body + str(gtin_check_digit(body)))
        made = make_batch(client, key, gtin=gtin)
        short = gtin[14 - length :]
        response = client.get(
            f"/01/{short}/10/{made['lot']}?lang=zh-CN", headers=JSON, follow_redirects=False
        )
        assert response.status_code == 301
        assert response.headers["location"] == f"/01/{gtin}/10/{made['lot']}?lang=zh-CN"
        assert client.get(response.headers["location"], headers=JSON).status_code == 200

    @pytest.mark.parametrize(
        ("path", "why"),
        [
            ("/01/09506000134353/10/L1", "check digit"),
            ("/01/0950600013435X/10/L1", "digits"),
            ("/01/09506000134352", "expected /10/"),
            ("/01/09506000134352/10/L1/22/X", "expected /10/"),
            ("/01/09506000134352/21/S1/10/L1", "expected /10/"),
            ("/01/09506000134352/10/has%20space", "character set"),
            ("/01/09506000134352/10/" + "x" * 21, "1-20"),
        ],
    )
    def test_malformed_paths_are_400_and_say_why(
        self, client: TestClient, path: str, why: str
    ) -> None:
        as_json = client.get(path, headers=JSON)
        assert as_json.status_code == 400
        assert as_json.headers["content-type"].startswith("application/problem+json")
        assert why in as_json.json()["detail"]
        # The page says what is wrong in the shopper's language, never the developer's text.
        detail = as_json.json()["detail"]
        for lang in ("en", "zh-CN"):
            page = client.get(path, headers=HTML | {"Accept-Language": lang})
            assert page.status_code == 400
            assert page.headers["content-type"].startswith("text/html")
            assert Translator(lang)(link_reason_key(detail)) in page.text
            assert detail not in page.text

    def test_unknown_code_warns_of_counterfeits(self, client: TestClient) -> None:
        page = client.get("/01/09506000134352/10/NO-SUCH-LOT", headers={"Accept-Language": "zh-CN"})
        assert page.status_code == 404
        assert Translator("zh-CN")("error.not_found") in page.text
        assert 'lang="zh-CN"' in page.text
        problem = client.get("/01/09506000134352/10/NO-SUCH-LOT", headers=JSON)
        assert problem.status_code == 404
        assert problem.headers["content-type"].startswith("application/problem+json")


class TestContentNegotiation:
    def test_browser_gets_html_in_its_language(
        self, client: TestClient, batch: dict[str, Any]
    ) -> None:
        zh = client.get(
            path_of(batch), headers=HTML | {"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"}
        )
        assert zh.status_code == 200 and zh.headers["content-language"] == "zh-CN"
        assert '<html lang="zh-CN">' in zh.text and "生产" in zh.text
        en = client.get(path_of(batch), headers=HTML | {"Accept-Language": "en-GB,en;q=0.9"})
        assert '<html lang="en">' in en.text and "Produced" in en.text
        switched = client.get(path_of(batch) + "?lang=zh-CN", headers=HTML)
        assert '<html lang="zh-CN">' in switched.text
        assert 'href="?lang=en"' in switched.text

    def test_security_headers_on_pages(self, client: TestClient, batch: dict[str, Any]) -> None:
        page = client.get(path_of(batch), headers=HTML)
        csp = page.headers["content-security-policy"]
        assert "script-src" not in csp and "default-src 'none'" in csp
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"]
        assert "<script" not in page.text and "style=" not in page.text
        assert 'rel="linkset"' in page.headers["link"]
        assert client.get("/static/consumer.css").status_code == 200

    def test_linkset_by_query_and_by_accept(
        self, client: TestClient, batch: dict[str, Any]
    ) -> None:
        by_query = client.get(path_of(batch) + "?linkType=linkset")
        by_accept = client.get(path_of(batch), headers={"Accept": "application/linkset+json"})
        assert by_query.headers["content-type"].startswith("application/linkset+json")
        assert by_query.json() == by_accept.json()
        (entry,) = by_query.json()["linkset"]
        assert entry["anchor"] == f"http://lotproof.test{path_of(batch)}"
        for link_type in ("pip", "traceability", "certificationInfo", "recallStatus"):
            (target,) = entry[f"https://gs1.org/voc/{link_type}"]
            assert target["href"] == f"{entry['anchor']}?linkType=gs1:{link_type}"
            assert target["type"] and target["title"]

    def test_link_type_targets(self, client: TestClient, batch: dict[str, Any]) -> None:
        recall = client.get(path_of(batch) + "?linkType=gs1:recallStatus").json()
        assert recall == {
            "recalled": False,
            "recall_reason": None,
            "on_hold": False,
            "hold_reason": None,
        }
        trace = client.get(path_of(batch) + "?linkType=gs1:traceability").json()
        assert trace["records"][0]["type"] == "production"
        certificates = client.get(path_of(batch) + "?linkType=gs1:certificationInfo").json()
        assert certificates["certificates"] == []
        pip = client.get(path_of(batch) + "?linkType=gs1:pip")
        assert pip.headers["content-type"].startswith("text/html")


class TestBanners:
    def test_the_headline_comes_first_then_the_recall_and_the_hold(
        self, client: TestClient, sessions: SessionFactory, batch: dict[str, Any]
    ) -> None:
        _, inspector = make_org(sessions, OrgRole.inspector)
        failing = event_body("inspection", hours=2) | {"sampling": failing_sampling()}
        post_event(client, inspector, batch["id"], failing)
        recall = {
            "batch_ids": [batch["id"]],
            "reason": "Salmonella in retained sample",
            "severity": "I",
            "instructions": "Do not eat; return it to the shop.",
        }
        assert (
            client.post("/api/v1/recalls", json=recall, headers=auth(inspector)).status_code == 201
        )
        page = client.get(path_of(batch), headers=HTML | {"Accept-Language": "zh-CN"}).text
        # Recalled outranks on hold: one headline, then the facts of both.
        assert 'data-headline="recalled"' in page
        assert page.index('id="headline"') < page.index('id="recall-banner"')
        assert page.index('id="recall-banner"') < page.index('id="hold-banner"')
        assert Translator("zh-CN")("recall.class.I") in page
        assert (
            "Salmonella in retained sample" in page and "Do not eat; return it to the shop." in page
        )
        facts = client.get(path_of(batch), headers=JSON).json()
        assert facts["flags"] == {"recalled": True, "on_hold": True, "suspect_clone": False}
        assert facts["headline"] == "recalled" and facts["hold"]["kind"] == "inspection"

    def test_explorer_links_when_configured(
        self, settings: Settings, sessions: SessionFactory, batch: dict[str, Any]
    ) -> None:
        AnchoringWorker(sessions=sessions, ledger=build_ledger(settings), settings=settings).tick()
        tuned = settings.model_copy(update={"explorer_url": "https://explorer.example/"})
        with TestClient(create_app(tuned)) as explorer_client:
            page = explorer_client.get(path_of(batch), headers=HTML).text
        assert 'href="https://explorer.example/tx/0x' in page
