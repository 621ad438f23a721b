"""The committed contract artifact must be what the committed source compiles to."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_committed_artifact_matches_a_fresh_compile() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO_ROOT / "scripts" / "compile_contracts.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "artifact up to date" in result.stdout
