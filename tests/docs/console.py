"""The runnable parts of a documentation page: its ```console blocks, as a reader types them.

A block holds commands after a ``$ `` prompt (a line ending in ``\\``, or inside a
single-quoted string, continues on the next) and, below a command, the output it shows. Shown
output is checked: every shown line must appear in the command's output, in order, where
``...`` stands for any text. Other fenced blocks (``sh``, ``json``, ``text``) are
illustrations and are not run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

FENCE = re.compile(r"^(\s*)```console\s*$")
END = re.compile(r"^\s*```\s*$")


@dataclass
class Command:
    source: str  # the command as typed, continuation lines joined with newlines
    expected: list[str] = field(default_factory=list)
    line: int = 0  # where it starts in the page, for failure messages


def commands(page: Path) -> list[Command]:
    """Every command of every ```console block of ``page``, in order."""
    found: list[Command] = []
    lines = page.read_text(encoding="utf-8").splitlines()
    inside, indent, continuing = False, "", False
    for number, raw in enumerate(lines, start=1):
        if not inside:
            match = FENCE.match(raw)
            if match:
                inside, indent, continuing = True, match.group(1), False
            continue
        if END.match(raw):
            inside = False
            continue
        text = raw[len(indent) :] if raw.startswith(indent) else raw.lstrip()
        if continuing:
            found[-1].source += "\n" + text
        elif text.startswith("$ "):
            found.append(Command(source=text[2:], line=number))
        elif text.strip() and found:
            found[-1].expected.append(text.rstrip())
        in_command = continuing or text.startswith("$ ")
        continuing = in_command and (text.endswith("\\") or _open_quote(found[-1].source))
    return found


def _open_quote(source: str) -> bool:
    """Whether a single-quoted string (a JSON body, a jq filter) is still open at the end."""
    return source.count("'") % 2 == 1


def pattern(shown: str) -> re.Pattern[str]:
    """A shown output line as a regular expression: ``...`` matches any text (runs of spaces
    count as one, so a table's column widths may differ)."""
    parts = [re.escape(part) for part in _squeeze(shown).split("...")]
    return re.compile(".*".join(parts))


def _squeeze(line: str) -> str:
    return " ".join(line.split())


def missing_output(expected: list[str], output: str) -> str | None:
    """The first shown line not found in ``output`` (after the previous one), else None."""
    actual = [_squeeze(line) for line in output.splitlines()]
    position = 0
    for shown in expected:
        wanted = pattern(shown)
        while position < len(actual) and not wanted.fullmatch(actual[position]):
            position += 1
        if position == len(actual):
            return shown
        position += 1
    return None
