"""Language choice for the consumer page, and complete translations."""

from __future__ import annotations

import pytest

from service.i18n import LANGUAGES, Translator, negotiate_language
from service.i18n.catalogue import CATALOGUE


class TestNegotiateLanguage:
    @pytest.mark.parametrize(
        ("query", "header", "expected"),
        [
            (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
            (None, "zh-TW", "zh-CN"),
            (None, "en-US,en;q=0.9", "en"),
            (None, "fr-FR,zh;q=0.5,en;q=0.7", "en"),
            (None, "fr-FR,zh;q=0.8,en;q=0.7", "zh-CN"),
            (None, "de", "en"),
            (None, None, "en"),
            (None, "en;q=bogus,zh", "zh-CN"),
            ("zh-CN", "en", "zh-CN"),
            ("en", "zh-CN", "en"),
            ("xx", "zh-CN", "zh-CN"),
        ],
    )
    def test_choice(self, query: str | None, header: str | None, expected: str) -> None:
        assert negotiate_language(query, header) == expected


class TestCatalog:
    def test_every_message_has_every_language(self) -> None:
        missing = [(k, lang) for k, v in CATALOGUE.items() for lang in LANGUAGES if not v.get(lang)]
        assert missing == []

    def test_placeholders_are_filled(self) -> None:
        text = Translator("zh-CN")("unit.scans", count=3, first="2026-11-01")
        assert "3" in text and "2026-11-01" in text

    def test_unknown_key_shows_itself_not_a_crash(self) -> None:
        assert Translator("en")("no.such.key") == "no.such.key"


class TestTemplatesUseKnownKeys:
    """A page must never show a raw key: every literal ``t("...")`` in a template exists."""

    def test_every_literal_key_in_a_template_is_in_the_catalogue(self) -> None:
        import re
        from pathlib import Path

        root = Path(__file__).parents[2] / "service"
        used = {
            (path.name, key)
            for path in root.rglob("templates/*.html")
            for key in re.findall(r"""\bt\(\s*["']([a-z0-9_.-]+)["']\s*[,)]""", path.read_text())
        }
        assert used, "no template uses t()"
        assert sorted((name, key) for name, key in used if key not in CATALOGUE) == []


class TestEveryRecordKindHasAName:
    """Every kind of record the design lists (§2.6) has a name in both languages, so neither
    a page nor a report ever shows a raw kind like ``recall_closed``."""

    def test_every_kind_in_the_design_is_named(self) -> None:
        import re
        from pathlib import Path

        design = (Path(__file__).parents[2] / "docs" / "design.md").read_text()
        table = design.split("### §2.6", 1)[1].split("Common members", 1)[0]
        kinds = {
            kind.strip()
            for row in table.splitlines()
            if row.startswith("| ") and not row.startswith("| Kind")
            for kind in re.sub(r"\(v2\)", "", row.split("|")[1]).split(",")
        }
        assert {"production", "complaint", "recall"} <= kinds
        missing = sorted(k for k in kinds if f"event.{k}" not in CATALOGUE)
        assert missing == []


def test_every_accepted_unit_of_measure_has_a_label() -> None:
    from service.batches.units import UNITS

    assert sorted(code for code in [*UNITS, "CEL"] if f"uom.{code}" not in CATALOGUE) == []
