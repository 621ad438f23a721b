"""What a consumer gets from a batch's QR code: the Digital Link, the page, the JSON."""

from __future__ import annotations

import io

import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from service.anchoring.worker import AnchoringWorker
from service.db.engine import SessionFactory
from tests.builders import auth, event_body, make_batch, make_org, post_event, scan


class TestQrCode:
    def test_png_and_svg_encode_the_digital_link(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key, lot="A/B-1")
        expected = f"http://lotproof.test/01/{batch['gtin']}/10/A%2FB-1"
        assert batch["qr_url"] == expected

        png = client.get(f"/api/v1/batches/{batch['id']}/qr.png", headers=auth(key))
        assert png.status_code == 200 and png.headers["content-type"] == "image/png"
        decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.content)))
        assert [code.text for code in decoded] == [expected]

        resolved = client.get(
            expected.removeprefix("http://lotproof.test"), headers={"Accept": "application/json"}
        )
        assert resolved.status_code == 200 and resolved.json()["batch"]["lot"] == "A/B-1"

        svg = client.get(f"/api/v1/batches/{batch['id']}/qr.svg", headers=auth(key))
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        assert svg.text.lstrip().startswith("<?xml") and "<svg" in svg.text

    def test_unknown_batch_has_no_qr(self, client: TestClient, sessions: SessionFactory) -> None:
        _, key = make_org(sessions)
        assert client.get("/api/v1/batches/99999999/qr.png", headers=auth(key)).status_code == 404


class TestResolver:
    def test_browser_gets_an_honest_html_page(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        post_event(client, key, batch["id"], event_body("production"))
        page = client.get(f"/01/{batch['gtin']}/10/{batch['lot']}", headers={"Accept": "text/html"})
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert 'data-verdict="pending"' in page.text
        worker.tick()
        page = client.get(f"/01/{batch['gtin']}/10/{batch['lot']}", headers={"Accept": "text/html"})
        assert 'data-verdict="authentic"' in page.text
        assert batch["lot"] in page.text and "Produced" in page.text

    def test_json_lists_records_with_anchor_and_proof(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        for i, kind in enumerate(["production", "storage"]):
            post_event(client, key, batch["id"], event_body(kind, hours=i))
        worker.tick()
        facts = scan(client, batch)
        assert facts["batch"]["gtin"] == batch["gtin"] and facts["batch"]["lot"] == batch["lot"]
        assert [r["n"] for r in facts["records"]] == [0, 1]
        assert [r["type"] for r in facts["records"]] == ["production", "storage"]
        for record in facts["records"]:
            assert set(record["anchor"]) >= {"index", "root", "tx_hash", "block_number"}
            assert all(p.startswith("0x") and len(p) == 66 for p in record["proof"])


class TestPublicAnchors:
    def test_anchor_list_is_paginated_and_public(
        self, client: TestClient, sessions: SessionFactory, worker: AnchoringWorker
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        post_event(client, key, batch["id"], event_body())
        worker.tick()
        first = client.get("/api/v1/anchors", params={"limit": 1})
        assert first.status_code == 200
        page = first.json()
        assert len(page["items"]) == 1
        index = page["items"][0]["index"]
        assert client.get(f"/api/v1/anchors/{index}").json()["root"] == page["items"][0]["root"]
        if page["next_cursor"] is not None:
            nxt = client.get(
                "/api/v1/anchors", params={"limit": 1, "cursor": page["next_cursor"]}
            ).json()
            assert nxt["items"][0]["index"] > index
        missing = client.get("/api/v1/anchors/999999")
        assert missing.status_code == 404

    def test_operational_endpoints(self, client: TestClient) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert "lotproof_" in client.get("/metrics").text
        assert client.get("/openapi.json").json()["info"]["title"] == "Lotproof"
        assert client.get("/api/v1/products/99999999", headers=auth("x")).status_code == 404
