"""The consumer page in a real headless Chromium: what a shopper sees after scanning.

Every batch state x language x viewport is opened, checked and screenshotted to
test-output/screenshots/. With LOTPROOF_UPDATE_DOCS=1 the README's phone screenshots of
the demo batch are refreshed in docs/.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from collections.abc import Iterator

import httpx
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from service.i18n import Translator
from tests.browser.conftest import DOCS, SCREENSHOTS, DemoBatch

STATES = ["authentic", "pending", "tampered", "recalled"]
LANGUAGES = ["en", "zh-CN"]
ACCEPT_LANGUAGE = {"en": "en-GB,en;q=0.9", "zh-CN": "zh-CN,zh;q=0.9"}
VIEWPORTS = [(390, 844), (1280, 800)]
DOCS_NAMES = {"en": "consumer-page-en.png", "zh-CN": "consumer-page-zh.png"}


class ConsoleLog:
    """Console errors (CSP violations are reported as errors) and uncaught page errors."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error" or "Content Security Policy" in message.text:
            where = message.location.get("url", "")
            if where.endswith("/favicon.ico"):
                return  # Chromium asks for it on its own; the service has none (yet).
            self.problems.append(f"{message.type}: {message.text} {where}".rstrip())


def open_page(browser: Browser, lang: str, viewport: tuple[int, int]) -> Iterator[Page]:
    context = browser.new_context(
        locale=lang,
        extra_http_headers={"Accept-Language": ACCEPT_LANGUAGE[lang]},
        viewport={"width": viewport[0], "height": viewport[1]},
        device_scale_factor=1,
    )
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.fixture(params=VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def viewport(request: pytest.FixtureRequest) -> tuple[int, int]:
    size: tuple[int, int] = request.param
    return size


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    language: str = request.param
    return language


@pytest.fixture
def page(browser: Browser, lang: str, viewport: tuple[int, int]) -> Iterator[Page]:
    yield from open_page(browser, lang, viewport)


def _has_cjk_font() -> bool:
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "family"], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return False
    return bool(listed.stdout.strip())


def _update_docs(page: Page, lang: str) -> None:
    """The README screenshot: what a phone shows first, taken from the test output."""
    shot = SCREENSHOTS / f"readme-{lang}-390x844.png"
    page.screenshot(path=shot, full_page=False)
    if os.environ.get("LOTPROOF_UPDATE_DOCS") != "1":
        return
    if lang == "zh-CN" and not _has_cjk_font():
        pytest.fail("no CJK font: the Chinese screenshot would show boxes (fonts-noto-cjk)")
    DOCS.mkdir(exist_ok=True)
    shutil.copyfile(shot, DOCS / DOCS_NAMES[lang])


@pytest.mark.parametrize("state", STATES)
def test_consumer_page(
    page: Page,
    base_url: str,
    demo_batches: dict[str, DemoBatch],
    state: str,
    lang: str,
    viewport: tuple[int, int],
) -> None:
    batch = demo_batches[state]
    t = Translator(lang)
    console = ConsoleLog(page)
    width, height = viewport

    response = page.goto(base_url + batch.path)
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", lang)

    verdict = page.locator("#verdict")
    expect(verdict).to_be_visible()
    expect(verdict).to_have_attribute("data-verdict", batch.expected_verdict)
    headline = page.locator("#headline")
    expect(headline).to_have_attribute("data-headline", state)
    title_key = f"headline.{state}.title"
    expect(headline).to_contain_text(t(title_key))
    # The stylesheet was allowed by the CSP and applied: the headline is a coloured banner.
    background = headline.evaluate("e => getComputedStyle(e).backgroundColor")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background

    banner = page.locator("#recall-banner")
    if state == "recalled":
        expect(banner).to_be_visible()
        expect(banner).to_contain_text(t("recall.class.I"))
        expect(banner).to_contain_text("Salmonella found in retained sample")
        banner_box, headline_box = banner.bounding_box(), headline.bounding_box()
        assert banner_box is not None and headline_box is not None
        assert headline_box["y"] + headline_box["height"] <= banner_box["y"]
    else:
        expect(banner).to_have_count(0)

    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"horizontal scrolling: {scroll_width}px wide at {width}px"

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{state}-{lang}-{width}x{height}.png", full_page=True)
    if state == "authentic" and viewport == (390, 844):
        _update_docs(page, lang)

    first = page.locator("details").first
    digest = first.locator("dd").first
    expect(digest).to_be_hidden()
    first.locator("summary").click()
    expect(first).to_have_attribute("open", "")
    expect(digest).to_be_visible()
    assert digest.inner_text().strip().startswith("0x")

    other = t.other_language
    page.locator("a.lang").click()
    expect(page.locator("html")).to_have_attribute("lang", other)
    expect(page.locator("#headline")).to_contain_text(Translator(other)(title_key))

    assert console.problems == []


def test_report_a_problem(
    browser: Browser, base_url: str, demo_batches: dict[str, DemoBatch]
) -> None:
    for page in open_page(browser, "zh-CN", (390, 844)):
        console = ConsoleLog(page)
        page.goto(base_url + demo_batches["pending"].path)
        page.locator("#category").select_option("damaged")
        page.locator("#description").fill("The tin was dented and the seal broken.")
        page.locator("form button[type=submit]").click()
        page.wait_for_url("**/complaints/*")
        expect(page.locator("#tracking-code")).to_be_visible()
        assert page.locator("#tracking-code").inner_text().strip()
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
        expect(page.locator("main")).to_contain_text(Translator("zh-CN")("complaint.received"))
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "complaint-zh-CN-390x844.png", full_page=True)
        page.get_by_role("link", name=Translator("zh-CN")("complaint.back")).click()
        expect(page.locator("#verdict")).to_be_visible()
        assert console.problems == []


def test_scanning_the_printed_qr_code_opens_the_verified_page(
    browser: Browser, base_url: str, demo_batches: dict[str, DemoBatch]
) -> None:
    """The whole shopper path: decode the label's QR code, open it on a phone, read the verdict."""
    batch = demo_batches["authentic"]
    headers = {"Authorization": f"Bearer {batch.owner_key}"}
    png = httpx.get(f"{base_url}/api/v1/batches/{batch.batch_id}/qr.png", headers=headers).content
    (decoded,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert decoded.text == f"{base_url}{batch.path}"
    for page in open_page(browser, "zh-CN", (390, 844)):
        response = page.goto(decoded.text)
        assert response is not None and response.status == 200
        expect(page.locator("#verdict")).to_have_attribute("data-verdict", "authentic")
        expect(page.locator("#headline")).to_contain_text(
            Translator("zh-CN")("headline.authentic.title")
        )
        expect(page.locator("#timeline > li")).to_have_count(4)
