"""Every text the service generates, in zh-CN and English.

Messages live in ``catalogue/``, one module per area, each a ``MESSAGES`` dict of
key -> {language: text}; ``tests/unit/test_i18n.py`` fails when a key lacks a language or two
modules define the same key. Text that people typed (a hold reason an inspector wrote, a
recall's instructions) is never translated: it is shown as written.
"""

from __future__ import annotations

from service.i18n.catalogue import CATALOGUE

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "en"


def negotiate_language(query_lang: str | None, accept_language: str | None) -> str:
    """``?lang=`` wins; otherwise the best Accept-Language match; otherwise English."""
    if query_lang in LANGUAGES:
        return query_lang
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return DEFAULT_LANGUAGE


class Translator:
    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, key: str, **values: object) -> str:
        entry = CATALOGUE.get(key)
        text = key if entry is None else entry.get(self.language, entry[DEFAULT_LANGUAGE])
        return text.format(**values) if values else text

    @property
    def other_language(self) -> str:
        return "en" if self.language == "zh-CN" else "zh-CN"
