"""Rows of the benchmark table, and the JSON written under ``var/bench/``."""

from __future__ import annotations

import json
import platform
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil


@dataclass(frozen=True)
class Row:
    """One line of the table: a measured value, optionally beside a baseline and a target."""

    section: str
    metric: str
    value: float
    unit: str
    baseline: float | None = None  # the peer pattern's value, measured in the same run
    ratio: float | None = None  # how many times better than the baseline
    target: str | None = None  # the target, in words ("<= 75", ">= 600x")
    met: bool | None = None  # whether the target is met (None: no target)


def machine() -> dict[str, Any]:
    return {
        "cpus": psutil.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu_model": _cpu_model(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _fmt(value: float | None) -> str:
    if value is None:
        return ""
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def table(rows: list[Row]) -> str:
    header = ("section", "metric", "value", "unit", "baseline", "ratio", "target", "met")
    lines = [
        (
            r.section,
            r.metric,
            _fmt(r.value),
            r.unit,
            _fmt(r.baseline),
            "" if r.ratio is None else f"{r.ratio:,.1f}x",
            r.target or "",
            "" if r.met is None else ("yes" if r.met else "NO"),
        )
        for r in rows
    ]
    widths = [max(len(str(c)) for c in column) for column in zip(header, *lines, strict=True)]
    out = [
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True))
        for line in [header, tuple("-" * w for w in widths), *lines]
    ]
    return "\n".join(out)


def write_json(directory: Path, rows: list[Row], details: dict[str, Any], quick: bool) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    document = {
        "when": stamp,
        "quick": quick,
        "machine": machine(),
        "rows": [asdict(r) for r in rows],
        "details": details,
    }
    path = directory / f"bench-{stamp}{'-quick' if quick else ''}.json"
    text = json.dumps(document, indent=2, default=str) + "\n"
    path.write_text(text)
    (directory / ("latest-quick.json" if quick else "latest.json")).write_text(text)
    return path
