"""``verify_bundle FILE --rpc URL [--contract ADDRESS] [--timeout S]``: the inspector's command.

Exit codes (docs/design.md §9.3):

    0  authentic    every record verified or redacted
    1  rejected     tampered, invalid bundle, or refused (other chain or contract)
    2  pending      some records not anchored yet (or none listed), none tampered
    3  unreachable  the RPC endpoint did not answer
    4  usage        bad arguments, or the file cannot be read

Usage errors have their own code rather than argparse's conventional 2, which means pending.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, NoReturn

from service.bundlecheck.bundle import BundleError, load_bundle
from service.bundlecheck.check import ChainView, verify_bundle
from service.bundlecheck.report import format_report
from service.bundlecheck.verdict import Outcome
from service.ledger.interface import LedgerRejected
from service.ledger.reader import ContractReader

EXIT_USAGE = 4
_EXIT_CODES = {Outcome.authentic: 0, Outcome.pending: 2, Outcome.unreachable: 3}
_EPILOG = """exit codes:
  0  authentic: every record verified or redacted
  1  tampered, invalid bundle, or refused (another chain or contract)
  2  pending: some records not anchored yet (or none listed), none tampered
  3  unreachable: the RPC endpoint did not answer
  4  usage: bad arguments, or FILE cannot be read"""


def exit_code(outcome: Outcome) -> int:
    """Every outcome that rejects the bundle (tampered, invalid, refused) exits 1."""
    return _EXIT_CODES.get(outcome, 1)


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="verify_bundle",
        description="Verify a Lotproof bundle against the chain.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--rpc", required=True, metavar="URL", help="JSON-RPC endpoint")
    parser.add_argument(
        "--contract", metavar="ADDRESS", help="refuse bundles that name another contract"
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="RPC timeout in seconds")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Print the report to stdout (usage errors to stderr) and return the exit code."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
        data = _read(args.file)
    except _UsageError as e:
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    try:
        bundle = load_bundle(data)
    except BundleError as e:
        print(f"INVALID: invalid bundle {args.file}: {e}")
        return exit_code(Outcome.invalid)
    if args.contract and args.contract.lower() != (bundle["contract"] or "").lower():
        # The operator chooses the contract named in the bundle; an inspector who knows the
        # real deployment pins it here so a private look-alike contract cannot vouch for data.
        print(f"REFUSED: bundle names contract {bundle['contract']}, expected {args.contract}")
        return exit_code(Outcome.refused)
    chain: ChainView = _NoChain()
    if bundle["contract"] is not None:
        chain = ContractReader(rpc_url=args.rpc, address=bundle["contract"], timeout=args.timeout)
    report = verify_bundle(bundle, chain)
    print(_header(bundle, args.rpc))
    print(format_report(report))
    return exit_code(report.outcome)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise _UsageError(f"cannot read {path}: {e.strerror or e}") from e


class _NoChain:
    """For a bundle from before the first anchor, which verify_bundle never asks a chain about."""

    def __getattr__(self, name: str) -> Any:
        raise LedgerRejected("the bundle names no chain")


def _header(bundle: dict[str, Any], rpc: str) -> str:
    batch, where = bundle["batch"], f"contract {bundle['contract']} on chain {bundle['chain_id']}"
    return f"batch {batch['gtin']} / {batch['lot']}, {where}, via {rpc}\n"
