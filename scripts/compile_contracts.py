"""Compile the contracts into their committed artifacts under contracts/build/.

- ``contracts/TraceAnchor.sol`` -> ``contracts/build/TraceAnchor.json`` (what the service uses);
- ``contracts/bench/*.sol`` -> ``contracts/build/bench/*.json``: the peer-pattern baselines of
  the gas benchmark (``scripts/benchkit/gas.py``), never deployed by the service.

Usage (from any directory):

    python scripts/compile_contracts.py          # (re)write the artifacts
    python scripts/compile_contracts.py --check  # exit 1 if one differs from a fresh compile

No compiler is ever downloaded (docs/design.md §4.4). The solc executable is taken, in this
order, from:

1. the environment variable ``LOTPROOF_SOLC`` (a path to a solc 0.8.28 executable);
2. a solc 0.8.28 that py-solc-x already has installed;
3. ``hardhat-local/solc-shim``: the npm ``solc`` package (same version) behind a wrapper that
   answers ``--version`` and ``--standard-json`` like native solc (needs ``npm ci`` there).

Every source, including the OpenZeppelin files read from ``hardhat-local/node_modules``, is put
into the standard JSON input as ``content``, so the compiler never reads the file system and
native solc and the shim produce the same bytes. The artifact is written with sorted keys and a
fixed indent so that it is diff-stable. Each contract is compiled on its own (its source and
its imports only, output selected for it alone), so adding a benchmark contract can never change
the bytes of TraceAnchor.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import posixpath
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solcx
from packaging.version import Version
from solcx.exceptions import SolcError
from solcx.install import get_executable
from solcx.wrapper import get_version_str_from_solc_binary

REPO_ROOT = Path(__file__).resolve().parent.parent
HARDHAT_DIR = REPO_ROOT / "hardhat-local"
NODE_MODULES = HARDHAT_DIR / "node_modules"
SHIM = HARDHAT_DIR / "solc-shim"
BUILD_DIR = REPO_ROOT / "contracts" / "build"

SOLC_VERSION = Version("0.8.28")


@dataclass(frozen=True)
class Target:
    """One contract to compile: its source unit (relative to the repo root) and its artifact."""

    source: str
    contract: str
    artifact: Path


TARGETS: tuple[Target, ...] = (
    Target("contracts/TraceAnchor.sol", "TraceAnchor", BUILD_DIR / "TraceAnchor.json"),
    Target(
        "contracts/bench/HashPerEvent.sol",
        "HashPerEvent",
        BUILD_DIR / "bench" / "HashPerEvent.json",
    ),
    Target(
        "contracts/bench/EventStructPerEvent.sol",
        "EventStructPerEvent",
        BUILD_DIR / "bench" / "EventStructPerEvent.json",
    ),
)


def settings_for(target: Target) -> dict[str, Any]:
    """Compiler settings; they are also written into the artifact, so keep them stable."""
    return {
        "evmVersion": "cancun",
        "metadata": {"bytecodeHash": "none"},
        "optimizer": {"enabled": True, "runs": 200},
        "outputSelection": {
            target.source: {
                target.contract: ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"],
            },
        },
    }


# String literals are matched so that comment markers inside them are left alone.
_STRING_OR_COMMENT = re.compile(
    r"(\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*')|(//[^\n]*|/\*.*?\*/)", re.DOTALL
)
_IMPORT_STATEMENT = re.compile(r"\bimport\b([^;]*);")
_STRING_LITERAL = re.compile(r"\"((?:\\.|[^\"\\])*)\"|'((?:\\.|[^'\\])*)'")


class CompileError(Exception):
    """A problem that stops compilation; the message is shown to the user."""


def _strip_comments(source: str) -> str:
    def keep_strings(match: re.Match[str]) -> str:
        return match.group(1) if match.group(1) is not None else " "

    return _STRING_OR_COMMENT.sub(keep_strings, source)


def _imports_of(source: str) -> list[str]:
    """Import paths of a Solidity source, in order of appearance."""
    paths = []
    for statement in _IMPORT_STATEMENT.finditer(_strip_comments(source)):
        literal = _STRING_LITERAL.search(statement.group(1))
        if literal is not None:
            paths.append(literal.group(1) if literal.group(1) is not None else literal.group(2))
    return paths


def _source_unit_name(importer: str, import_path: str) -> str:
    """Resolve an import the way solc does: relative imports against the importer's directory."""
    if import_path.startswith(("./", "../")):
        return posixpath.normpath(posixpath.join(posixpath.dirname(importer), import_path))
    return import_path


def _locate(unit_name: str) -> Path:
    for root in (REPO_ROOT, NODE_MODULES):
        candidate = root / unit_name
        if candidate.is_file():
            return candidate
    raise CompileError(
        f"cannot find source {unit_name!r} in {REPO_ROOT} or {NODE_MODULES}"
        " (run `npm ci` in hardhat-local/)"
    )


def collect_sources(main_source: str) -> dict[str, str]:
    """`main_source` and everything it imports, transitively, keyed by source unit name."""
    sources: dict[str, str] = {}
    pending = [main_source]
    while pending:
        name = pending.pop()
        if name in sources:
            continue
        text = _locate(name).read_text(encoding="utf-8")
        sources[name] = text
        pending.extend(_source_unit_name(name, p) for p in _imports_of(text))
    return dict(sorted(sources.items()))


def _full_version(binary: Path) -> str:
    """`0.8.28+commit.7893614a`: the version without the platform suffix, same for every build."""
    try:
        return get_version_str_from_solc_binary(binary)
    except (OSError, SolcError, ValueError) as exc:
        raise CompileError(f"cannot run {binary} --version: {exc}") from exc


def find_solc() -> Path:
    """The solc executable to use, per the order in the module docstring."""
    from_env = os.environ.get("LOTPROOF_SOLC")
    if from_env:
        binary = Path(from_env)
        if not binary.is_file():
            raise CompileError(f"LOTPROOF_SOLC={from_env} is not a file")
    elif SOLC_VERSION in solcx.get_installed_solc_versions():
        binary = get_executable(SOLC_VERSION)
    elif SHIM.is_file() and (NODE_MODULES / "solc").is_dir():
        binary = SHIM
    else:
        raise CompileError(
            f"no solc {SOLC_VERSION} found: set LOTPROOF_SOLC, or run `npm ci` in {HARDHAT_DIR}"
            " to use the npm solc package behind hardhat-local/solc-shim"
        )
    version = _full_version(binary)
    if Version(version.split("+")[0]) != SOLC_VERSION:
        raise CompileError(f"{binary} is solc {version}, expected {SOLC_VERSION}")
    return binary


def build_artifact(binary: Path, target: Target) -> dict[str, Any]:
    sources = collect_sources(target.source)
    settings = settings_for(target)
    input_data = {
        "language": "Solidity",
        "sources": {name: {"content": text} for name, text in sources.items()},
        "settings": settings,
    }
    try:
        output = solcx.compile_standard(input_data, solc_binary=binary)
    except SolcError as exc:
        raise CompileError(f"solc failed on {target.source}:\n{exc}") from exc
    for problem in output.get("errors", []):
        print(problem.get("formattedMessage", problem), file=sys.stderr)
    try:
        compiled = output["contracts"][target.source][target.contract]
    except KeyError as exc:
        raise CompileError(f"solc output has no {target.source}:{target.contract}") from exc
    return {
        "contractName": target.contract,
        "abi": compiled["abi"],
        "bytecode": "0x" + compiled["evm"]["bytecode"]["object"],
        "deployedBytecode": "0x" + compiled["evm"]["deployedBytecode"]["object"],
        "compiler": {"name": "solc", "version": _full_version(binary)},
        "settings": settings,
        "sourceHash": hashlib.sha256((REPO_ROOT / target.source).read_bytes()).hexdigest(),
    }


def render(artifact: dict[str, Any]) -> str:
    return json.dumps(artifact, sort_keys=True, indent=2) + "\n"


def _differences(old: str, new: str) -> list[str]:
    try:
        old_data = json.loads(old)
    except json.JSONDecodeError:
        return ["the committed artifact is not valid JSON"]
    new_data = json.loads(new)
    if not isinstance(old_data, dict):
        return ["the committed artifact is not a JSON object"]
    keys = sorted(set(old_data) | set(new_data))
    changed = [k for k in keys if old_data.get(k) != new_data.get(k)]
    return [f"key {k!r} differs" for k in changed] or ["formatting differs"]


def _check(target: Target, text: str) -> bool:
    """Whether the committed artifact of `target` is `text`; says why not on stderr."""
    relative = target.artifact.relative_to(REPO_ROOT)
    if not target.artifact.is_file():
        print(f"{relative} is missing: run scripts/compile_contracts.py", file=sys.stderr)
        return False
    committed = target.artifact.read_text(encoding="utf-8")
    if committed != text:
        details = "; ".join(_differences(committed, text))
        print(
            f"{relative} is out of date ({details}): run scripts/compile_contracts.py"
            " and commit the result",
            file=sys.stderr,
        )
        return False
    # tests/contract/test_artifact.py looks for this exact phrase.
    print(f"artifact up to date: {relative}")
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--check",
        action="store_true",
        help="recompile and exit 1 if a committed artifact differs (writes nothing)",
    )
    args = parser.parse_args(argv)

    try:
        binary = find_solc()
        # Compile everything before writing anything, so that a failure leaves no mixed set.
        texts = [(target, render(build_artifact(binary, target))) for target in TARGETS]
    except CompileError as exc:
        print(f"compile_contracts: {exc}", file=sys.stderr)
        return 2

    if args.check:
        # Check every artifact (no short-circuit), so that one run names all stale ones.
        results = [_check(target, text) for target, text in texts]
        return 0 if all(results) else 1

    for target, text in texts:
        target.artifact.parent.mkdir(parents=True, exist_ok=True)
        target.artifact.write_text(text, encoding="utf-8")
        relative = target.artifact.relative_to(REPO_ROOT)
        print(f"wrote {relative} (solc {_full_version(binary)} via {binary})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
