"""The generated reference pages cover everything, and the paths the docs name exist.

docs/hooks/reference.py makes the configuration, HTTP API and command line pages when MkDocs
builds the site; these tests call the same functions, so a setting, an operation or a command
missing from them fails here, without a build.
"""

from __future__ import annotations

import importlib.util
import re
import socket
from pathlib import Path
from types import ModuleType

import pytest

from service.config import Settings
from tests.support.openapi import app_document

REPO = Path(__file__).resolve().parents[2]
HOOK = REPO / "docs" / "hooks" / "reference.py"
# A path into the repository, written in backticks: `service/records/writer.py`, `tests/docs/`.
SETTING = re.compile(r"LOTPROOF_[A-Z0-9_]*[A-Z0-9]")
API_PATH = re.compile(r"/api/v1/[\w{}/.:-]*[\w}]")
# Variables the docs name that are not settings: the contract compiler, the tests' PostgreSQL.
NOT_SETTINGS = {"LOTPROOF_SOLC", "LOTPROOF_TEST_PG_DSN"}
REPO_PATH = re.compile(r"`((?:service|tests|scripts|contracts|docs|hardhat-local)/[\w./-]*)`")


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    spec = importlib.util.spec_from_file_location("docs_reference", HOOK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_setting_is_documented_with_a_description(reference: ModuleType) -> None:
    page = reference.configuration_page()
    described = reference.field_descriptions()
    for name in Settings.model_fields:
        assert f"`LOTPROOF_{name.upper()}`" in page, name
        assert described[name].strip(), f"LOTPROOF_{name.upper()} has no description"


def test_every_operation_is_on_the_api_page(reference: ModuleType, tmp_path: Path) -> None:
    page = reference.api_page()
    doc = app_document(tmp_path)
    for path, operations in doc["paths"].items():
        for method in operations:
            assert f"| `{method.upper()}` | `{path}` |" in page, f"{method.upper()} {path}"


def test_the_api_page_is_made_without_the_network(
    reference: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `mkdocs build` runs offline and without a chain: creating the app must connect nowhere.
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the docs build tried to connect: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    assert "| `GET` | `/healthz` |" in reference.api_page()


def test_every_command_is_on_the_cli_page(reference: ModuleType) -> None:
    page = reference.cli_page()
    for name in ("serve", "worker", "org create", "chain reanchor", "event add", "verify-bundle"):
        assert f"\n## {name}\n" in page, name


def _pages() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]


def test_settings_named_in_the_docs_exist() -> None:
    known = {f"LOTPROOF_{name.upper()}" for name in Settings.model_fields} | NOT_SETTINGS
    # A family such as LOTPROOF_QUALITY_ALERT_* is written with a trailing underscore.
    unknown = [
        f"{page.relative_to(REPO)}: {name}"
        for page in _pages()
        for name in set(SETTING.findall(page.read_text(encoding="utf-8")))
        if name not in known and not any(k.startswith(f"{name}_") for k in known)
    ]
    assert not unknown, "\n".join(sorted(unknown))


def test_api_paths_named_in_the_docs_exist(tmp_path: Path) -> None:
    templates = app_document(tmp_path)["paths"]
    operations = [re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(t))) for t in templates]
    unknown = [
        f"{page.relative_to(REPO)}: {path}"
        for page in _pages()
        for path in set(API_PATH.findall(page.read_text(encoding="utf-8")))
        if not any(op.fullmatch(path) for op in operations)
    ]
    assert not unknown, "\n".join(sorted(unknown))


def _exists(path: str) -> bool:
    # `service/documents/csv_writer.write_csv` names a function in a module.
    return (REPO / path).exists() or (REPO / f"{path.rsplit('.', 1)[0]}.py").is_file()


def test_paths_named_in_the_docs_exist() -> None:
    missing = [
        f"{page.relative_to(REPO)}: {path}"
        for page in _pages()
        for path in REPO_PATH.findall(page.read_text(encoding="utf-8"))
        if not _exists(path)
    ]
    assert not missing, "\n".join(missing)
