# ruff: noqa: E501, RUF001  (translations read best one per line; Chinese uses full-width punctuation)
"""Messages of the errors area (zh-CN and en)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
