"""The pages around complaints in a real headless Chromium, on a phone, in both languages: a
code that leads nowhere (with "report a suspected fake"), the form that keeps what was typed,
and the tracking page with its history (a rejection is not green). Screenshots go to
test-output/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from service.config import Settings
from service.i18n import Translator
from tests.browser.conftest import SCREENSHOTS, DemoBatch
from tests.browser.test_consumer_page import ConsoleLog
from tests.builders import auth
from tests.support.live_server import live_settings_for
from tests.support.proxy import TcpProxy

PHONE = (390, 844)
UNREGISTERED = "/01/09506000134352/10/NO-SUCH-LOT"
MALFORMED = "/01/12345/10/L1"
GREEN = "rgb(227, 244, 232)"  # --ok-bg


# Our reports come from a network of their own, within a limit of their own: the live
# server's database is the session's, and other modules' reports from 127.0.0.1 count there.
ELSEWHERE = {"X-Forwarded-For": "198.51.100.20"}


@pytest.fixture(scope="module")
def live_settings(
    database_url: str, chain_proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory
) -> Settings:
    if "postgresql" in database_url:
        pytest.skip("browser tests run once, on SQLite")
    settings = live_settings_for(database_url, chain_proxy.url, tmp_path_factory.mktemp("files"))
    tuned = {"trust_forwarded_for": True, "complaints_per_source_per_hour": 100}
    return settings.model_copy(update=tuned)


def open_page(browser: Browser, lang: str) -> Iterator[Page]:
    context = browser.new_context(
        locale=lang,
        extra_http_headers={"Accept-Language": lang} | ELSEWHERE,
        viewport={"width": PHONE[0], "height": PHONE[1]},
        device_scale_factor=1,
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(params=["en", "zh-CN"])
def lang(request: pytest.FixtureRequest) -> str:
    language: str = request.param
    return language


def problems(console: ConsoleLog, status_url: str | None = None) -> list[str]:
    """The console's problems, except Chromium's note that the error page's own status is 4xx."""
    own = "the server responded with a status of 4"
    return [p for p in console.problems if not (own in p and status_url and p.endswith(status_url))]


def check_page(page: Page, lang: str, shot: str) -> None:
    """The language is declared, every visible field has a label, nothing scrolls sideways."""
    expect(page.locator("html")).to_have_attribute("lang", lang)
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
            .filter(e => !document.querySelector(`label[for="${e.id}"]`)).map(e => e.name)"""
    )
    assert unlabelled == []
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE[0], f"horizontal scrolling: {width}px"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{shot}-{lang}-390x844.png", full_page=True)


@pytest.mark.parametrize(
    ("path", "kind"), [(UNREGISTERED, "not_found"), (MALFORMED, "bad_request")]
)
def test_a_code_that_leads_nowhere_offers_to_report_a_fake(
    browser: Browser, base_url: str, lang: str, path: str, kind: str
) -> None:
    t = Translator(lang)
    for page in open_page(browser, lang):
        console = ConsoleLog(page)
        url = f"{base_url}{path}?lang={lang}"
        response = page.goto(url)
        assert response is not None and response.status == (404 if kind == "not_found" else 400)
        expect(page.locator("#error")).to_contain_text(t(f"error.{kind}.title"))
        expect(page.locator("main")).not_to_contain_text("expected")
        check_page(page, lang, f"error-{kind}")
        page.locator("#description").fill("Bought at a market stall; the seal is crooked.")
        page.get_by_role("button", name=t("error.report.title")).click()
        page.wait_for_url("**/complaints/*")
        expect(page.locator("#tracking-code")).to_be_visible()
        expect(page.locator("#complaint-unregistered")).to_contain_text(t("complaint.unregistered"))
        check_page(page, lang, f"fake-report-{kind}")
        assert problems(console, url) == []


def test_the_form_keeps_what_was_typed(
    browser: Browser, base_url: str, demo_batches: dict[str, DemoBatch], lang: str
) -> None:
    t = Translator(lang)
    for page in open_page(browser, lang):
        console = ConsoleLog(page)
        page.goto(f"{base_url}{demo_batches['authentic'].path}?lang={lang}")
        form = page.locator("form[action='/complaints']")
        # The browser would refuse a short text itself; the server must answer it too.
        form.evaluate("f => { f.noValidate = true }")
        page.locator("#category").select_option("damaged")
        page.locator("#description").fill("破")
        page.locator("#contact").fill("138 0000 0000")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        expect(page).to_have_title(t("complaint.form.title"))
        description = page.locator("#description")
        expect(description).to_have_value("破")
        expect(description).to_have_attribute("aria-invalid", "true")
        expect(description).to_have_accessible_description(
            re.compile(re.escape(t("complaint.error.description_short")))
        )
        expect(page.locator("#contact")).to_have_value("138 0000 0000")
        error_page = page.url
        expect(page.locator("#category")).to_have_value("damaged")
        check_page(page, lang, "complaint-form-error")
        description.fill("The tin was dented and the seal broken.")
        page.locator("button[type=submit]").click()
        page.wait_for_url("**/complaints/*")
        expect(page.locator("#tracking-code")).to_be_visible()
        assert problems(console, error_page) == []


def test_the_tracking_page_shows_the_history_and_a_rejection_is_not_green(
    browser: Browser, base_url: str, demo_batches: dict[str, DemoBatch], lang: str
) -> None:
    t = Translator(lang)
    batch = demo_batches["authentic"]
    with httpx.Client(base_url=base_url, timeout=30, headers=ELSEWHERE) as api:
        filed = api.post(
            "/api/v1/complaints",
            json={"link": batch.path, "category": "safety", "description": "It made me ill."},
        )
        assert filed.status_code == 201, filed.text
        code = filed.json()["code"]
        for status in ("acknowledged", "rejected"):
            moved = api.post(
                f"/api/v1/complaints/{code}/transitions",
                json={"status": status, "reason": f"{status}: the lab found nothing wrong"},
                headers=auth(batch.owner_key),
            )
            assert moved.status_code == 200, moved.text
    for page in open_page(browser, lang):
        console = ConsoleLog(page)
        page.goto(f"{base_url}/complaints/{code}?lang={lang}")
        state = page.locator("#complaint-state")
        expect(state).to_have_attribute("data-status", "rejected")
        background = state.evaluate("e => getComputedStyle(e).backgroundColor")
        assert background != GREEN, background
        steps = page.locator("#complaint-history li")
        expect(steps).to_have_count(3)
        expect(steps.nth(2)).to_contain_text("rejected: the lab found nothing wrong")
        expect(page.locator("#complaint-history time")).to_have_count(3)
        expect(page.locator("#complaint-next")).to_contain_text(t("complaint.next.rejected"))
        expect(page.locator("#complaint-priority")).to_have_attribute("data-priority", "urgent")
        check_page(page, lang, "complaint-rejected")
        assert console.problems == []
