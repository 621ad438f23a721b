"""Every state a shopper can meet, on a phone and a desktop, in both languages (issue 20).

For each state the page must lead with the one headline the precedence gives, say what to
do, contain no English on the Chinese page except identifiers, pass axe-core's WCAG 2.1 AA
rules, load nothing the CSP refuses, and show the facts behind the headline (temperatures
against the storage range, the recall's instructions, the hold's cause). Screenshots go to
test-output/screenshots/states/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from service.anchoring.deployment import ChainHealth
from service.anchoring.worker import AnchoringWorker
from service.config import Settings
from service.db.engine import SessionFactory
from service.i18n import Translator
from service.ledger.factory import build_ledger
from tests.browser import shopper_states as data
from tests.browser.accessibility import assert_accessible
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_consumer_page import ConsoleLog, open_page

SHOTS = SCREENSHOTS / "states"
LANGUAGES = ["en", "zh-CN"]
VIEWPORTS = [(390, 844), (1280, 800)]
# What may stay Latin on a Chinese page: identifiers, units and names of standards.
IDENTIFIERS = {"GTIN", "SHA", "UTC", "Lotproof", "Hardhat", "local", "chain", "ISO", "HACCP"}


@pytest.fixture(scope="module")
def lots(
    base_url: str, live_settings: Settings, request: pytest.FixtureRequest
) -> dict[str, data.Lot]:
    sessions: SessionFactory = request.getfixturevalue("sessions")
    worker = AnchoringWorker(
        sessions=sessions,
        ledger=build_ledger(live_settings),
        settings=live_settings,
        health=ChainHealth(),
    )
    with httpx.Client(base_url=base_url, timeout=30) as api:
        return data.ShopperStates(api, sessions, worker).make_all()


@pytest.fixture
def page(browser: Browser, lang: str, viewport: tuple[int, int]) -> Iterator[Page]:
    yield from open_page(browser, lang, viewport)


@pytest.fixture(params=LANGUAGES)
def lang(request: pytest.FixtureRequest) -> str:
    language: str = request.param
    return language


@pytest.fixture(params=VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def viewport(request: pytest.FixtureRequest) -> tuple[int, int]:
    size: tuple[int, int] = request.param
    return size


def latin_words(page: Page) -> set[str]:
    """Latin words in the page's text, outside identifiers marked translate="no" and outside
    elements in another language (the language switch)."""
    texts: list[str] = page.evaluate(
        """() => {
          const out = [];
          const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            const el = node.parentElement;
            if (el.closest('[translate="no"]')) continue;
            const lang = el.closest('[lang]');
            if (lang && lang.getAttribute('lang') !== 'zh-CN') continue;
            out.push(node.textContent);
          }
          return out;
        }"""
    )
    words = set(re.findall(r"[A-Za-z]{2,}", " ".join(texts)))
    return words - IDENTIFIERS


@pytest.mark.parametrize("state", list(data.STATES))
def test_every_state(
    page: Page,
    base_url: str,
    lots: dict[str, data.Lot],
    state: str,
    lang: str,
    viewport: tuple[int, int],
) -> None:
    t, lot = Translator(lang), lots[state]
    console = ConsoleLog(page)
    response = page.goto(base_url + lot.path)
    assert response is not None and response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", lang)

    headline = page.locator("#headline")
    expect(headline).to_have_attribute("data-headline", data.STATES[state])
    expect(headline).to_contain_text(t(f"headline.{data.STATES[state]}.title"))
    expect(headline).to_contain_text(t(f"headline.{data.STATES[state]}.action"))
    # The headline comes first: nothing stands above it in <main>.
    assert page.evaluate("document.querySelector('main').firstElementChild.id") == "headline"
    _facts_behind(page, t, state, lots)

    if lang == "zh-CN":
        assert latin_words(page) == set()
    width, height = viewport
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{state}-{lang}-{width}x{height}.png", full_page=True)
    assert_accessible(page)
    assert console.problems == []


def _facts_behind(page: Page, t: Translator, state: str, lots: dict[str, data.Lot]) -> None:
    main = page.locator("main")
    times = page.locator("ol.timeline time")
    # Recorded at +08:00: shown in that offset, never converted to UTC.
    expect(times.first).to_contain_text("(UTC+08:00)")
    # In the order things happened (the declared reading was recorded after its correction's
    # neighbours, and shares its hour).
    moments = [
        datetime.fromisoformat(m) for m in times.evaluate_all("ts => ts.map(t => t.dateTime)")
    ]
    assert moments == sorted(moments)
    if state == "recalled":
        recall = page.locator("#recall-banner article")
        expect(recall).to_have_count(1)
        expect(recall).to_have_attribute("data-in-force", "true")
        expect(recall).to_contain_text(t("recall.class.I"))
        expect(recall).to_contain_text(data.DESK)
        expect(recall).to_contain_text(data.RECALL_REASON)
        expect(recall.locator(".instructions")).to_have_text(data.RECALL_INSTRUCTIONS)
    if state != "supplier_suspended":
        certificates = page.locator("#certificates > li")
        expect(certificates).to_have_count(2)
        declared = page.locator('#certificates > li[data-vouched-by="supplier"]')
        expect(declared).to_contain_text(t("certificate.vouched.supplier"))
        expect(declared).to_contain_text(t("certificate.type.haccp"))
        confirmed = page.locator('#certificates > li[data-vouched-by="inspector"]')
        expect(confirmed).to_contain_text(data.INSPECTOR)
    if state == "on_hold":
        # Two shoppers' reports: counted, not listed as identical rows; filed by the public.
        group = page.locator('#complaint-groups > li[data-category="quality"]')
        expect(group).to_have_attribute("data-count", "2")
        expect(group).to_contain_text(t("complaint.cat.quality"))
        filings = page.locator('#complaint-records li[data-type="complaint"]')
        expect(filings).to_have_count(2)
        for i in range(2):
            expect(filings.nth(i)).to_have_attribute("data-actor-kind", "public")
            expect(filings.nth(i)).not_to_contain_text(data.SUPPLIER)
        expect(page.locator('#timeline > li[data-type="complaint"]')).to_have_count(0)
        # The wrong reading stays, struck through, with its author's declaration beside it.
        lot = lots[state]
        declared = page.locator(f"#record-{lot.declared_n}")
        expect(declared.locator(".struck")).to_contain_text("40")
        expect(page.locator(f"#correction-{lot.declared_n}")).to_contain_text(
            t("correction.reason.incorrect_data")
        )
        hold = page.locator("#hold-banner")
        defects = t("defect.major")
        expect(hold).to_contain_text(
            t("hold.inspection_defects", org=data.INSPECTOR, defects=defects)
        )
    if state == "supplier_suspended":
        expect(page.locator("#suspension-banner")).to_contain_text(data.SUSPENSION_REASON)
    if state == "pending":
        readings = page.locator(".reading")
        expect(readings).to_have_count(2)
        low, high = (f"{v:g}" for v in data.STORAGE)
        expect(readings.nth(0)).to_contain_text(t("temperature.within"))
        expect(readings.nth(1)).to_contain_text(t("temperature.outside"))
        expect(readings.nth(1)).to_contain_text("9.5")
        expect(readings.nth(1)).to_contain_text(t("temperature.range", low=low, high=high))
    expect(main).not_to_contain_text("verdict.")
