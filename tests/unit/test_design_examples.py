"""The worked examples of docs/design.md run, and print what the document says they print.

Each ```python block is run from the repository root; every value a line announces in a
trailing comment (``# 0xad81c5e5...``) must be in what that line's block printed.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "design.md").read_text(), re.S)


def test_the_document_has_its_examples() -> None:
    assert len(BLOCKS) >= 2


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block-{i}" for i in range(len(BLOCKS))])
def test_each_example_prints_what_the_document_says(block: str) -> None:
    run = subprocess.run(
        [sys.executable, "-c", block], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    announced = re.findall(r"#\s*(0x[0-9a-f]{8,})", block)
    assert announced, "the example announces no value"
    for value in announced:
        assert value in run.stdout, f"{value} not printed"
