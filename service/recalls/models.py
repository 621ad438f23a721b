"""Tables of the recalls domain."""

from __future__ import annotations
