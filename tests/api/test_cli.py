"""The `lotproof` command line: org creation, and `serve` + `demo` as a user runs them."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from service.cli import app as cli
from service.db.engine import SessionFactory
from service.db.models import ApiKey, Organization
from tests.support.proxy import TcpProxy


def _env(database_url: str, rpc_url: str) -> dict[str, str]:
    return {
        "LOTPROOF_ENV": "dev",
        "LOTPROOF_DATABASE_URL": database_url,
        "LOTPROOF_RPC_URL": rpc_url,
    }


class TestOrgCreate:
    def test_prints_key_once_and_stores_only_its_hash(
        self, database_url: str, sessions: SessionFactory, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        for name, value in _env(database_url, "http://127.0.0.1:1").items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(
            cli, ["org", "create", "--name", "Acme Farms", "--role", "supplier"]
        )
        assert result.exit_code == 0, result.output
        created = json.loads(result.output)
        assert set(created) == {"id", "slug", "role", "api_key"}
        assert created["role"] == "supplier" and created["slug"].startswith("acme-farms")
        with sessions.read() as session:
            org = session.get(Organization, created["id"])
            assert org is not None and org.slug == created["slug"]
            key_row = session.scalars(select(ApiKey).where(ApiKey.org_id == org.id)).one()
            assert key_row.key_hash == hashlib.sha256(created["api_key"].encode()).digest()
            assert created["api_key"] not in repr(key_row.__dict__)

    def test_unknown_role_is_refused(
        self, monkeypatch: pytest.MonkeyPatch, database_url: str
    ) -> None:
        for name, value in _env(database_url, "http://127.0.0.1:1").items():
            monkeypatch.setenv(name, value)
        result = CliRunner().invoke(cli, ["org", "create", "--name", "X", "--role", "king"])
        assert result.exit_code != 0 and "role" in result.output


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class TestServeAndDemo:
    def test_demo_ends_with_an_authentic_batch(
        self, database_url: str, chain_proxy: TcpProxy, tmp_path: Path
    ) -> None:
        port = _free_port()
        env = os.environ | _env(database_url, chain_proxy.url) | {"LOTPROOF_ANCHOR_INTERVAL": "0.5"}
        lotproof = [sys.executable, "-m", "service.cli"]
        server = subprocess.Popen(
            [*lotproof, "serve", "--port", str(port)],
            env=env,
            stdout=(tmp_path / "serve.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            qr = tmp_path / "qr.png"
            demo = subprocess.run(
                [*lotproof, "demo", "--url", base, "--out", str(qr), "--timeout", "60"],
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert demo.returncode == 0, demo.stdout + demo.stderr
            assert "is authentic" in demo.stdout
            assert qr.read_bytes().startswith(b"\x89PNG")
            url = demo.stdout.strip().splitlines()[-1].split("consumer page: ")[1]
            path = url.split("/", 3)[3]
            facts = httpx.get(f"{base}/{path}", headers={"Accept": "application/json"}).json()
            assert facts["verdict"] == "authentic" and len(facts["records"]) == 6
        finally:
            server.terminate()
            server.wait(timeout=30)
        log = (tmp_path / "serve.log").read_text()
        assert "Traceback" not in log, log
