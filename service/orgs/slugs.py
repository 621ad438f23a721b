"""Organisation slugs: derived from the name, or chosen by the operator; never changed.

A slug is what records name as their actor (design §2.3, §2.9), so it is fixed when the
organisation is created and must say something to a reader. Chinese names are transliterated
with pypinyin, one hyphen between syllables: "金华火腿食品" becomes ``jin-hua-huo-tui-shi-pin``.
Syllables run together (``jinhuahuotuishipin``) are unreadable and ambiguous (``xian`` is 西安
or 先); joining them per word needs a word segmenter whose dictionary decides the slug and
changes between versions. One syllable per part is always exact and pronounceable; an operator
who wants a shorter slug chooses one (``lotproof org create --slug jinhua-huotui``).

Slugs are ``[a-z0-9]+(-[a-z0-9]+)*``, at most 48 characters, unique. ``lotproof``,
``public``, ``service`` and ``admin`` are never slugs: the first three would read like the
reserved actors ``lotproof:public`` and ``lotproof:service``, the last like the platform.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from pypinyin import lazy_pinyin

from service.errors import Conflict, InvalidInput

MAX_LENGTH = 48
PATTERN = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
RESERVED = frozenset({"lotproof", "public", "service", "admin"})
FALLBACK = "org"  # a name with nothing to transliterate (no Latin letters, digits or Han)


def slugify(name: str) -> str:
    """A readable slug for ``name`` (not yet checked for being free)."""
    # lazy_pinyin yields one syllable per Han character and keeps other runs of text whole.
    parts = (_ascii(part) for part in lazy_pinyin(name))
    slug = "-".join(p for p in parts if p)
    return _shorten(slug, MAX_LENGTH) or FALLBACK


def free_slug(name: str, taken: Callable[[str], bool]) -> str:
    """The derived slug of ``name``, or with ``-2``, ``-3``, ... when it is taken or reserved,
    always within the maximum length."""
    base = slugify(name)
    slug, suffix = base, 2
    while slug in RESERVED or taken(slug):
        tail = f"-{suffix}"
        slug = (_shorten(base, MAX_LENGTH - len(tail)) or FALLBACK) + tail
        suffix += 1
    return slug


def chosen_slug(slug: str, taken: Callable[[str], bool]) -> str:
    """``slug`` as the operator chose it: well formed (422) and free (409)."""
    if len(slug) > MAX_LENGTH or PATTERN.fullmatch(slug) is None:
        raise InvalidInput(
            f"slug must be lowercase letters and digits in parts joined by single hyphens "
            f"([a-z0-9]+(-[a-z0-9]+)*), at most {MAX_LENGTH} characters",
            field="slug",
        )
    if slug in RESERVED:
        raise InvalidInput(f"slug {slug!r} is reserved", field="slug")
    if taken(slug):
        raise Conflict(f"slug {slug!r} is taken by another organisation")
    return slug


def _ascii(text: str) -> str:
    """Latin letters and digits of ``text`` (accents dropped), runs of anything else as one
    hyphen, none at either end."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def _shorten(slug: str, limit: int) -> str:
    """``slug`` cut to ``limit`` characters at a hyphen, so no syllable or word is cut."""
    if len(slug) <= limit:
        return slug
    cut = slug.rfind("-", 0, limit + 1)
    return slug[:cut] if cut > 0 else slug[:limit].rstrip("-")
