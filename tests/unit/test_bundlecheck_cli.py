"""The inspector's command: arguments, what it prints, and its exit codes."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from service.bundlecheck import EXIT_USAGE, Outcome, exit_code, main
from service.bundlecheck import cli as cli_module
from tests.unit.bundlecheck_builders import CONTRACT, FakeChain, make_bundle, write_bundle


def test_every_outcome_has_its_documented_exit_code_and_usage_has_its_own() -> None:
    codes = {outcome: exit_code(outcome) for outcome in Outcome}
    assert codes == {
        Outcome.authentic: 0,
        Outcome.tampered: 1,
        Outcome.invalid: 1,
        Outcome.refused: 1,
        Outcome.pending: 2,
        Outcome.unreachable: 3,
    }
    assert EXIT_USAGE not in codes.values()


def test_help_lists_the_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out and f"{EXIT_USAGE}  usage" in out and "2  pending" in out


@pytest.mark.parametrize(
    "argv",
    [
        [],  # no file
        ["bundle.json"],  # no --rpc
        ["bundle.json", "--rpc", "http://x", "--timeout", "soon"],
        ["bundle.json", "--rpc", "http://x", "--frobnicate"],
    ],
)
def test_bad_arguments_are_usage_errors_not_pending(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and "usage: verify_bundle" in captured.err


def test_unreadable_file_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([str(tmp_path / "missing.json"), "--rpc", "http://x"]) == EXIT_USAGE
    assert "cannot read" in capsys.readouterr().err
    assert main([str(tmp_path), "--rpc", "http://x"]) == EXIT_USAGE  # a directory


def test_truncated_or_binary_file_is_an_invalid_bundle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    truncated = tmp_path / "cut.json"
    truncated.write_text('{"format": "lotproof-bundle/1", "chain_', encoding="utf-8")
    assert main([str(truncated), "--rpc", "http://x"]) == 1
    assert "invalid bundle" in capsys.readouterr().out
    binary = tmp_path / "bin.json"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    assert main([str(binary), "--rpc", "http://x"]) == 1
    assert "INVALID" in capsys.readouterr().out


def test_main_prints_the_table_and_returns_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, chain = make_bundle()
    seen: dict[str, Any] = {}

    def reader(**kwargs: Any) -> FakeChain:
        seen.update(kwargs)
        return chain

    monkeypatch.setattr(cli_module, "ContractReader", reader)
    assert main([str(write_bundle(tmp_path, bundle)), "--rpc", "http://node:8545"]) == 0
    assert seen["address"] == CONTRACT and seen["rpc_url"] == "http://node:8545"
    assert "AUTHENTIC" in capsys.readouterr().out
    chain.id = 5
    assert main([str(write_bundle(tmp_path, bundle)), "--rpc", "http://node:8545"]) == 1
    out = capsys.readouterr().out
    assert "REFUSED" in out and "31337" in out and "chain id 5" in out


def test_main_refuses_a_contract_other_than_the_pinned_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, _ = make_bundle()
    path = write_bundle(tmp_path, bundle)
    assert main([str(path), "--rpc", "http://x", "--contract", "0x" + "11" * 20]) == 1
    assert "REFUSED" in capsys.readouterr().out


def test_bundle_from_before_any_anchor_needs_no_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bundle, _ = make_bundle()
    bundle.update(chain_id=None, contract=None, anchors=[])
    for entry in bundle["records"]:
        entry.update(anchor_index=None, proof=[])
    assert main([str(write_bundle(tmp_path, bundle)), "--rpc", "http://unused"]) == 2
    assert "PENDING: 4 records (4 pending)" in capsys.readouterr().out


def test_empty_bundle_is_not_authentic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bundle, _ = make_bundle()
    bundle.update(chain_id=None, contract=None, records=[], anchors=[])
    bundle["batch"]["record_count"] = 0
    assert main([str(write_bundle(tmp_path, bundle)), "--rpc", "http://unused"]) == 2
    assert "PENDING: the bundle lists no records" in capsys.readouterr().out


def test_main_with_nothing_listening_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    bundle, _ = make_bundle()
    code = main([str(write_bundle(tmp_path, bundle)), "--rpc", f"http://127.0.0.1:{port}"])
    assert code == 3
    assert "UNREACHABLE" in capsys.readouterr().out
