"""The message catalogue: every area's ``MESSAGES`` merged, each key defined once."""

from __future__ import annotations

from types import ModuleType

from service.i18n.catalogue import (
    complaints,
    corrections,
    errors,
    page,
    reasons,
    recalls,
    report,
    units,
)

AREAS: tuple[ModuleType, ...] = (
    page,
    complaints,
    corrections,
    errors,
    reasons,
    recalls,
    report,
    units,
)


def _merge() -> dict[str, dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for area in AREAS:
        for key, texts in area.MESSAGES.items():
            if key in merged:
                raise ValueError(f"message {key!r} is defined twice (in {area.__name__})")
            merged[key] = texts
    return merged


CATALOGUE = _merge()
