"""The compiled TraceAnchor contract (committed by scripts/compile_contracts.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class ContractArtifact:
    abi: list[dict[str, Any]]
    bytecode: str


@lru_cache(maxsize=4)
def load_artifact(path: Path) -> ContractArtifact:
    data = json.loads(path.read_text())
    return ContractArtifact(abi=data["abi"], bytecode=data["bytecode"])
