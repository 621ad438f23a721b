"""Label sheets, bounded: rendered ones are cached, and only a few render at once.

A sheet costs CPU for every label on it, and every organisation taking part in a batch may
ask for one. So a sheet is rendered once per content (the cache key is everything printed on
it: link, GTIN, lot, product name and the number of copies, so a renamed product or another
public URL is a new entry and a stale sheet is never served), at most
``label_render_concurrency`` renders run at once in a process (the others wait up to
``label_render_wait_s``, then get 503), and the cache holds at most ``label_cache_bytes``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Annotated

from fastapi import Depends

from service.config import Settings
from service.deps import part
from service.errors import LotproofError
from service.state import Part

# The most labels on one sheet request: ten A4 pages of 24, which bounds a render's CPU time.
MAX_COPIES = 240


class LabelRendererBusy(LotproofError):
    status_code = 503
    title = "Label renderer busy"
    retry_after_s = 5  # a render takes seconds at most (240 labels)


class LabelSheets:
    """A byte-bounded LRU of rendered sheets in front of a bounded number of renderers."""

    def __init__(self, *, max_bytes: int, concurrency: int, wait_s: float) -> None:
        self.max_bytes = max_bytes
        self.wait_s = wait_s
        self.renders = 0  # sheets actually rendered (tests and operators: the cache works)
        self._slots = threading.BoundedSemaphore(concurrency)
        self._lock = threading.Lock()
        self._sheets: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> LabelSheets:
        return cls(
            max_bytes=settings.label_cache_bytes,
            concurrency=settings.label_render_concurrency,
            wait_s=settings.label_render_wait_s,
        )

    def sheet(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """The cached sheet for ``key``, or ``render()``'s, within the concurrency bound."""
        cached = self._cached(key)
        if cached is not None:
            return cached
        if not self._slots.acquire(timeout=self.wait_s):
            raise LabelRendererBusy("too many label sheets are being rendered; retry shortly")
        try:
            # Another request may have rendered the same sheet while this one waited.
            cached = self._cached(key)
            if cached is not None:
                return cached
            pdf = render()
            with self._lock:
                self.renders += 1
        finally:
            self._slots.release()
        self._keep(key, pdf)
        return pdf

    def _cached(self, key: Hashable) -> bytes | None:
        with self._lock:
            pdf = self._sheets.get(key)
            if pdf is not None:
                self._sheets.move_to_end(key)
            return pdf

    def _keep(self, key: Hashable, pdf: bytes) -> None:
        if len(pdf) > self.max_bytes:
            return
        with self._lock:
            if key in self._sheets:
                return
            self._sheets[key] = pdf
            self._bytes += len(pdf)
            while self._bytes > self.max_bytes:
                _, dropped = self._sheets.popitem(last=False)
                self._bytes -= len(dropped)


LABEL_SHEETS: Part[LabelSheets] = Part("label sheets")
LabelSheetCache = Annotated[LabelSheets, Depends(part(LABEL_SHEETS))]
