"""The HTTP edge (issue 18, findings 6, 7 and 11): who the client is behind proxies, public
label sheets, Vary on negotiated answers, what is public in prod, and what probes cost."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import event

from service.app import create_app
from service.batches import endpoints as batch_endpoints
from service.config import Settings
from service.db.engine import SessionFactory
from service.middleware import source_address
from tests.api.test_units import commission
from tests.builders import auth, make_batch, make_org

PROXY = ("10.0.0.2", 50000)  # the test client connects as the (trusted) reverse proxy
JSON = {"Accept": "application/json"}


def scope(peer: str, *forwarded: str) -> dict[str, Any]:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return {"type": "http", "client": (peer, 50000), "headers": headers}


def forwarded(value: str) -> dict[str, str]:
    return {"X-Forwarded-For": value}


# The two ways to say the service is behind a proxy: by its address, or (deprecated) "the
# direct peer is one".
BEHIND_PROXY = [{"trusted_proxies": "10.0.0.0/8"}, {"trust_forwarded_for": True}]


def edge(settings: Settings, **update: Any) -> TestClient:
    return TestClient(create_app(settings.model_copy(update=update)), client=PROXY)


class TestClientAddress:
    """Finding 7: the client's own X-Forwarded-For entries used to be believed."""

    behind = Settings(trusted_proxies="127.0.0.1, 10.0.0.0/8")

    def test_spoofed_leftmost_entries_are_ignored(self) -> None:
        spoofed = scope("10.0.0.2", "6.6.6.6, 198.51.100.7")
        assert source_address(spoofed, self.behind) == "198.51.100.7"

    def test_the_entry_left_of_the_trusted_chain_is_the_client(self) -> None:
        chained = scope("127.0.0.1", "6.6.6.6, 198.51.100.7", "10.1.2.3")
        assert source_address(chained, self.behind) == "198.51.100.7"

    def test_an_untrusted_peer_is_the_client_whatever_it_forwards(self) -> None:
        direct = scope("198.51.100.9", "10.0.0.7")
        assert source_address(direct, self.behind) == "198.51.100.9"
        assert source_address(direct, Settings()) == "198.51.100.9"  # no proxies: ignored

    def test_the_deprecated_setting_believes_only_the_peers_own_entry(self) -> None:
        legacy = Settings(trust_forwarded_for=True)
        assert source_address(scope("10.0.0.2", "6.6.6.6, 203.0.113.4"), legacy) == "203.0.113.4"

    def test_bad_or_conflicting_proxy_settings_are_refused_at_startup(self) -> None:
        with pytest.raises(ValidationError, match=r"trusted_proxies: 'proxy\.local'"):
            Settings(trusted_proxies="10.0.0.1,proxy.local")
        with pytest.raises(ValidationError, match="trust_forwarded_for is deprecated"):
            Settings(trusted_proxies="10.0.0.1", trust_forwarded_for=True)

    @pytest.mark.parametrize("proxies", BEHIND_PROXY, ids=["trusted_proxies", "deprecated"])
    def test_per_address_limits_use_the_real_address(
        self, settings: Settings, proxies: dict[str, Any]
    ) -> None:
        with edge(settings, rate_limit_per_source="4/minute", **proxies) as client:
            statuses = [
                client.get("/nothing", headers=forwarded(f"6.6.6.{i}, 198.51.100.5")).status_code
                for i in range(6)
            ]
            other = client.get("/nothing", headers=forwarded("6.6.6.1, 198.51.100.6"))
        assert statuses == [404] * 4 + [429] * 2
        assert other.status_code == 404

    @pytest.mark.parametrize("proxies", BEHIND_PROXY, ids=["trusted_proxies", "deprecated"])
    def test_clone_detection_uses_the_real_address(
        self, settings: Settings, sessions: SessionFactory, proxies: dict[str, Any]
    ) -> None:
        """One phone rotating a fake leftmost entry used to look like many places at once."""
        with edge(settings, clone_threshold=2, **proxies) as client:
            _, key = make_org(sessions)
            batch = make_batch(client, key)
            (unit,) = commission(client, key, batch["id"], 1)
            path = unit["url"].removeprefix("http://lotproof.test")
            for fake in ("6.6.6.6", "2001:db8:9::1", "192.0.2.200", "100.64.7.7"):
                hops = forwarded(f"{fake}, 198.51.100.5")
                facts = client.get(path, headers=JSON | hops).json()
        assert facts["unit"]["scans"] == 4
        assert facts["flags"]["suspect_clone"] is False


class TestLabelSheets:
    """Finding 6: a public sheet of 2,400 labels cost 5.5 s of CPU, every time it was asked (it
    now needs a key and a part in the batch too: test_batch_enumeration.py)."""

    @pytest.fixture
    def renders(self, monkeypatch: pytest.MonkeyPatch) -> list[int]:
        """The real renderer, counted: one entry per sheet actually rendered."""
        counted: list[int] = []
        real: Callable[..., bytes] = batch_endpoints.render_label_sheet

        def render(labels: Any, *args: Any, **kwargs: Any) -> bytes:
            counted.append(len(labels))
            return real(labels, *args, **kwargs)

        monkeypatch.setattr(batch_endpoints, "render_label_sheet", render)
        return counted

    def test_a_repeated_sheet_is_served_from_the_cache(
        self, client: TestClient, sessions: SessionFactory, renders: list[int]
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        url = f"/api/v1/batches/{batch['id']}/labels.pdf"
        headers = auth(key)
        first = client.get(url, params={"copies": 48}, headers=headers)
        again = [client.get(url, params={"copies": 48}, headers=headers) for _ in range(5)]
        assert first.status_code == 200 and first.content.startswith(b"%PDF")
        assert all(r.content == first.content for r in again)
        assert renders == [48]  # rendered once, then served from the cache
        assert client.get(url, params={"copies": 24}, headers=headers).status_code == 200
        assert renders == [48, 24]  # another sheet: rendered

    def test_a_request_past_the_render_cap_gets_503_with_retry_after(
        self, settings: Settings, sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """One render slot, held by a first sheet: a second sheet is told when to come back."""
        rendering, release = threading.Event(), threading.Event()
        real: Callable[..., bytes] = batch_endpoints.render_label_sheet

        def held(labels: Any, *args: Any, **kwargs: Any) -> bytes:
            rendering.set()
            release.wait(10)
            return real(labels, *args, **kwargs)

        monkeypatch.setattr(batch_endpoints, "render_label_sheet", held)
        tuned = settings.model_copy(
            update={"label_render_concurrency": 1, "label_render_wait_s": 0.05}
        )
        with TestClient(create_app(tuned)) as client:
            _, key = make_org(sessions)
            url = f"/api/v1/batches/{make_batch(client, key)['id']}/labels.pdf"
            first: list[int] = []
            holder = threading.Thread(
                target=lambda: first.append(client.get(url, headers=auth(key)).status_code)
            )
            holder.start()
            assert rendering.wait(10)
            busy = client.get(url, params={"copies": 2}, headers=auth(key))
            release.set()
            holder.join(10)
        assert busy.status_code == 503, busy.text
        assert busy.headers["content-type"] == "application/problem+json"
        assert int(busy.headers["retry-after"]) > 0
        assert first == [200]

    def test_the_largest_sheet_is_bounded(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        url = f"/api/v1/batches/{batch['id']}/labels.pdf"
        too_many = client.get(url, params={"copies": 2400}, headers=auth(key))
        assert too_many.status_code == 422
        assert too_many.json()["errors"][0]["field"] == "copies"


class TestVary:
    """Finding 11: negotiated answers did not say they were (a cache could mix them up)."""

    def assert_varies(self, response: Any) -> None:
        vary = {v.strip().lower() for v in response.headers.get("vary", "").split(",")}
        assert {"accept", "accept-language"} <= vary, (response.request.url, response.headers)

    def test_every_negotiated_answer_carries_vary(
        self, client: TestClient, sessions: SessionFactory
    ) -> None:
        _, key = make_org(sessions)
        batch = make_batch(client, key)
        link = f"/01/{batch['gtin']}/10/{batch['lot']}"
        filed = client.post(
            "/api/v1/complaints",
            json={"link": link, "category": "counterfeit", "description": "Seal re-glued."},
        )
        assert filed.status_code == 201, filed.text
        status_path = f"/complaints/{filed.json()['code']}"
        answers = [
            client.get(link, headers=JSON),  # facts
            client.get(link, headers={"Accept": "text/html"}),  # page
            client.get(link, params={"linkType": "linkset"}),  # linkset
            client.get("/01/09506000134352/10/NOPE", headers=JSON),  # problem+json
            client.get("/01/09506000134352/10/NOPE", headers={"Accept": "text/html"}),
            client.get("/01/123/10/X", headers=JSON),  # malformed link
            client.get(status_path, headers=JSON),
            client.get(status_path, headers={"Accept-Language": "zh-CN"}),
            client.get("/complaints/NO-SUCH-CODE", headers=JSON),
            client.post("/complaints", data={"link": "x"}, headers=JSON),
        ]
        assert {a.status_code for a in answers} >= {200, 400, 404}
        for answer in answers:
            self.assert_varies(answer)

    def test_every_documented_negotiated_route_is_covered(self, client: TestClient) -> None:
        """A new route answering in several media types must be under NEGOTIATED_PATHS."""
        from service.middleware import NEGOTIATED_PATHS  # here: the module loads on old code

        paths = client.get("/openapi.json").json()["paths"]
        negotiated = [
            path
            for path, operations in paths.items()
            for operation in operations.values()
            for status, answer in operation["responses"].items()
            if status.startswith("2") and len(answer.get("content", {})) > 1
        ]
        assert negotiated  # the resolver and the complaint status, at least
        for path in negotiated:
            assert path.startswith(NEGOTIATED_PATHS), path


def prod(settings: Settings, **update: Any) -> Settings:
    """Prod settings that start (an anchoring key of its own, not Hardhat's)."""
    key = "0x" + secrets.token_hex(32)
    # Validated (model_copy would not be): the secrets become SecretStr, checks run.
    return Settings(**(settings.model_dump() | {"env": "prod", "anchor_key": key} | update))


class TestExposure:
    """Finding 11: /docs, /redoc, /openapi.json and /metrics were public in prod, and the docs
    UI loaded its scripts from a CDN, outside the CSP."""

    def test_dev_serves_the_docs_ui_from_this_origin_under_the_csp(
        self, client: TestClient
    ) -> None:
        for page in ("/docs", "/redoc"):
            answer = client.get(page)
            assert answer.status_code == 200
            csp = answer.headers["content-security-policy"]
            assert "script-src 'self';" in csp and "default-src 'none'" in csp
            assert "http" not in answer.text  # no CDN: every asset is a local path
            for asset in ("/docs-assets/ui/", "/docs-assets/own/"):
                assert asset in answer.text
        for asset in (
            "/docs-assets/ui/swagger-ui-bundle.js",
            "/docs-assets/ui/swagger-ui.css",
            "/docs-assets/ui/redoc.standalone.js",
            "/docs-assets/own/swagger-init.js",
            "/docs-assets/own/redoc-init.js",
        ):
            assert client.get(asset).status_code == 200, asset
        assert client.get("/openapi.json").json()["info"]["title"] == "Lotproof"
        assert "lotproof_" in client.get("/metrics").text

    def test_prod_serves_none_of_them_by_default(self, settings: Settings) -> None:
        with TestClient(create_app(prod(settings))) as client:
            for path in ("/docs", "/redoc", "/openapi.json", "/metrics", "/docs-assets/own/x"):
                assert client.get(path).status_code == 404, path
            assert client.get("/healthz").status_code == 200

    def test_prod_can_turn_the_docs_on(self, settings: Settings) -> None:
        opened = prod(settings, docs_enabled=True, openapi_enabled=True)
        with TestClient(create_app(opened)) as client:
            assert client.get("/docs").status_code == 200
            assert client.get("/openapi.json").status_code == 200
        with pytest.raises(ValidationError, match="docs_enabled needs openapi_enabled"):
            Settings(env="prod", docs_enabled=True)

    def test_prod_metrics_need_the_token(self, settings: Settings) -> None:
        with TestClient(create_app(prod(settings, metrics_token="s3cret-scrape"))) as client:
            assert client.get("/metrics").status_code == 401
            assert client.get("/metrics", headers=auth("wrong")).status_code == 401
            scraped = client.get("/metrics", headers=auth("s3cret-scrape"))
            assert scraped.status_code == 200 and "lotproof_" in scraped.text


class TestProbeCost:
    """Finding 11: /readyz and /metrics queried the database on every request."""

    @pytest.fixture
    def probed(self, settings: Settings) -> Iterator[tuple[TestClient, list[str]]]:
        cached = settings.model_copy(update={"ops_cache_ttl_s": 60.0})
        with TestClient(create_app(cached)) as client:
            engine = client.app.state.lotproof.sessions.engine  # type: ignore[attr-defined]
            queries: list[str] = []

            def count(*args: Any) -> None:
                # The chain watcher's own queries (its thread) are not the probes'.
                if threading.current_thread().name != "anchoring-worker":
                    queries.append(args[2])

            event.listen(engine, "before_cursor_execute", count)
            try:
                yield client, queries
            finally:
                event.remove(engine, "before_cursor_execute", count)

    @pytest.mark.parametrize("path", ["/readyz", "/metrics"])
    def test_many_probes_cost_one_round_of_queries_per_ttl(
        self, probed: tuple[TestClient, list[str]], path: str
    ) -> None:
        client, queries = probed
        client.get(path)
        one_round = len(queries)
        assert one_round > 0
        for _ in range(20):
            assert client.get(path).status_code in (200, 503)
        assert len(queries) == one_round


class TestBounds:
    """The two guards themselves, with real threads."""

    def test_a_stale_value_is_recomputed_once_for_all_waiting_callers(self) -> None:
        from service.operations import TtlMemo  # here: the module loads on old code

        now = [0.0]
        memo: TtlMemo[int] = TtlMemo(2.0, clock=lambda: now[0])
        calls: list[int] = []
        started = threading.Barrier(8)

        def compute() -> int:
            calls.append(1)
            time.sleep(0.05)  # long enough for the other callers to arrive and wait
            return len(calls)

        def probe() -> None:
            started.wait()
            memo.get(compute)

        threads = [threading.Thread(target=probe) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert calls == [1]
        now[0] = 2.5  # past the TTL
        assert memo.get(compute) == 2

    def test_renders_past_the_concurrency_cap_get_503(self) -> None:
        from service.batches.labels import LabelRendererBusy, LabelSheets

        sheets = LabelSheets(max_bytes=1024, concurrency=1, wait_s=0.05)
        rendering, release = threading.Event(), threading.Event()

        def slow() -> bytes:
            rendering.set()
            release.wait(5)
            return b"%PDF-slow"

        first = threading.Thread(target=sheets.sheet, args=("a", slow))
        first.start()
        assert rendering.wait(5)
        with pytest.raises(LabelRendererBusy) as refused:
            sheets.sheet("b", lambda: b"%PDF-b")
        assert refused.value.status_code == 503
        release.set()
        first.join()
        assert sheets.sheet("a", lambda: b"never rendered") == b"%PDF-slow"
        assert sheets.renders == 1
