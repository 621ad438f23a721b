"""The tutorials run as written: every ```console command of docs/tutorials/, in order, in bash,
against a real service, and every output line a page shows is checked.

The pages say what a reader on a `make run` machine types: the service at 127.0.0.1:8000, the
chain at 127.0.0.1:8545, and the service's database in LOTPROOF_DATABASE_URL for the operator's
commands (`lotproof org create`, `lotproof monitor`), as docs/tutorials/index.md sets it up.
Here the service is the real app under uvicorn on a free port, with its anchoring worker, on a
fresh SQLite file and the session's Hardhat node; the two addresses in the pages are replaced by
the test's own before each command runs. Shell
variables a page sets (keys, ids) carry over to the next command and the next page, as in one
terminal: the pages follow one lot from the supplier to the admin.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.config import Settings
from tests.docs.console import Command, commands, missing_output
from tests.support.live_server import live_server, live_settings_for
from tests.support.proxy import TcpProxy

REPO = Path(__file__).resolve().parents[2]
TUTORIALS = REPO / "docs" / "tutorials"
# The order a reader follows: each page starts where the one before it ended.
PAGES = ("supplier", "logistics", "inspector", "consumer", "admin")
DOC_SERVICE, DOC_CHAIN = "127.0.0.1:8000", "127.0.0.1:8545"
COMMAND_TIMEOUT_S = 60


def test_every_tutorial_is_run() -> None:
    on_disk = {p.stem for p in TUTORIALS.glob("*.md")} - {"index"}
    assert on_disk == set(PAGES)
    for page in PAGES:
        assert commands(TUTORIALS / f"{page}.md"), f"{page}.md has no ```console commands"


class Terminal:
    """One reader's shell session: bash per command, variables kept in a file between them."""

    def __init__(self, workdir: Path, env: dict[str, str], swaps: dict[str, str]) -> None:
        self.workdir, self.env, self.swaps = workdir, env, swaps
        self.state = workdir / ".tutorial-state"
        self.state.write_text("")

    def run(self, page: str, command: Command) -> None:
        source = command.source
        expected = list(command.expected)
        for doc, real in self.swaps.items():
            source = source.replace(doc, real)
            expected = [line.replace(doc, real) for line in expected]
        # set -a: every variable a command assigns is exported, so `export -p` keeps it.
        script = (
            f"set -a -e -o pipefail\nsource {self.state}\n{source}\n"
            f"export -p > {self.state}.new && mv {self.state}.new {self.state}\n"
        )
        where = f"docs/tutorials/{page}.md:{command.line}: {command.source}"
        try:
            done = subprocess.run(
                ["bash", "-c", script],
                cwd=self.workdir,
                env=self.env,
                capture_output=True,
                text=True,
                timeout=COMMAND_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            pytest.fail(f"{where}\ntook more than {COMMAND_TIMEOUT_S} s")
        assert done.returncode == 0, f"{where}\nexit {done.returncode}\n{done.stdout}{done.stderr}"
        absent = missing_output(expected, done.stdout)
        assert absent is None, f"{where}\nshown but not printed: {absent!r}\n{done.stdout}"


@pytest.fixture(scope="module")
def tutorial_settings(chain_proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    for tool in ("curl", "jq"):
        if shutil.which(tool) is None:
            pytest.skip(f"the tutorials use {tool}, which is not installed")
    directory = tmp_path_factory.mktemp("tutorials")
    database = f"sqlite:///{directory / 'lotproof.db'}"
    settings = live_settings_for(database, chain_proxy.url, directory / "files")
    # The tutorials wait for anchors as a reader would: the worker runs, as under `make run`.
    return settings.model_copy(update={"run_worker": True})


@pytest.fixture(scope="module")
def terminal(
    tutorial_settings: Settings, chain_proxy: TcpProxy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Terminal]:
    with live_server(tutorial_settings) as base:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LOTPROOF_")}
        env |= {
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
            "PYTHONPATH": str(REPO),
            "LOTPROOF_ENV": "dev",
            "LOTPROOF_DATABASE_URL": tutorial_settings.database_url,
            "LOTPROOF_RPC_URL": chain_proxy.url,
        }
        swaps = {
            f"http://{DOC_SERVICE}": base,
            f"http://{DOC_CHAIN}": chain_proxy.url,
        }
        yield Terminal(tmp_path_factory.mktemp("reader"), env, swaps)


@pytest.mark.chain
def test_tutorials_run_as_written(terminal: Terminal) -> None:
    for page in PAGES:
        for command in commands(TUTORIALS / f"{page}.md"):
            terminal.run(page, command)
