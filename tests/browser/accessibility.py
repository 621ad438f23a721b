"""axe-core accessibility checks for pages in the browser tests.

axe-core comes from the npm registry (tests/browser/package.json, installed by `make
install`). It is evaluated through the DevTools protocol, which the pages' strict CSP (no
script at all) does not govern, so the page under test is exactly what shoppers get.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA, and axe's best practices (landmarks, headings).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def _axe_source() -> str:
    if not AXE.exists():
        raise RuntimeError(f"{AXE} missing: run `make install` (npm ci in tests/browser)")
    return AXE.read_text()


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now: rule id, impact, and the offending nodes."""
    page.evaluate(_axe_source())
    found: list[dict[str, Any]] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' '))})))",
        TAGS,
    )
    return found


def assert_accessible(page: Page) -> None:
    found = violations(page)
    assert found == [], found
