"""Evidence files: uploads are sniffed and content-addressed; downloads are verified first.

A small app (error handlers + the files router) on the shared SQLite / PostgreSQL databases:
the real app's 64 KiB body cap would stop uploads before the route runs.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from service.config import Settings
from service.db.engine import SessionFactory
from service.errors import InvalidInput, install_error_handlers
from service.files import service as files_service
from service.files.endpoints import router as files_router
from service.files.storage import FILE_STORE, DiskFileStore
from service.records.evidence import checked_evidence
from service.state import AppState
from tests.builders import auth, make_org

PROBLEM = "application/problem+json"
URL = "/api/v1/files"


class FilesSettings(Settings):
    """Settings with the ``files_dir`` field the files package expects."""

    files_dir: Path


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def files_client(
    database_url: str, sessions: SessionFactory, files_dir: Path
) -> Iterator[TestClient]:
    app = FastAPI()
    install_error_handlers(app)
    app.include_router(files_router)
    settings = FilesSettings(database_url=database_url, files_dir=files_dir)
    state = AppState(settings, sessions)
    state.provide(FILE_STORE, DiskFileStore(files_dir))
    state.attach_to(app)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def key(sessions: SessionFactory) -> str:
    return make_org(sessions)[1]


# Each sample is unique per call: the databases are shared by the whole test session.
def pdf() -> bytes:
    return b"%PDF-1.7\n% certificate of analysis " + secrets.token_bytes(64) + b"\n%%EOF\n"


def png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + secrets.token_bytes(64)


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + secrets.token_bytes(64)


def webp() -> bytes:
    body = b"WEBPVP8 " + secrets.token_bytes(64)
    return b"RIFF" + len(body).to_bytes(4, "little") + body


def csv_text() -> bytes:
    return f"lot,analyte,result\nL{secrets.token_hex(4)},aflatoxin B1,<0.5 µg/kg\n".encode()


def hex_digest(data: bytes) -> str:
    return "0x" + hashlib.sha256(data).hexdigest()


def upload(
    client: TestClient,
    key: str | None,
    data: bytes,
    *,
    filename: str = "evidence.bin",
    declared: str = "application/octet-stream",
) -> Any:
    headers = auth(key) if key else {}
    return client.post(URL, files={"file": (filename, data, declared)}, headers=headers)


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status and problem["title"] and problem["detail"]
    if field is not None:
        assert field in [e["field"] for e in problem.get("errors", [])], problem
    return problem


class TestUpload:
    @pytest.mark.parametrize(
        ("make", "media_type"),
        [
            (pdf, "application/pdf"),
            (png, "image/png"),
            (jpeg, "image/jpeg"),
            (webp, "image/webp"),
            (csv_text, "text/plain; charset=utf-8"),
        ],
    )
    def test_accepted_types_are_stored_under_their_sha256(
        self, files_client: TestClient, key: str, files_dir: Path, make: Any, media_type: str
    ) -> None:
        data: bytes = make()
        response = upload(files_client, key, data, filename="coa-L1.x")
        assert response.status_code == 201, response.text
        digest = hex_digest(data)
        assert response.json() == {
            "digest": digest,
            "size": len(data),
            "media_type": media_type,
            "filename": "coa-L1.x",
            "url": f"{URL}/{digest}",
        }
        assert DiskFileStore(files_dir).get(bytes.fromhex(digest[2:])) == data

    def test_type_comes_from_the_bytes_not_the_declared_content_type(
        self, files_client: TestClient, key: str
    ) -> None:
        response = upload(files_client, key, png(), declared="application/pdf")
        assert response.status_code == 201 and response.json()["media_type"] == "image/png"

    def test_same_bytes_again_return_the_existing_entry_without_rewriting(
        self, files_client: TestClient, key: str, sessions: SessionFactory, files_dir: Path
    ) -> None:
        data = pdf()
        first = upload(files_client, key, data, filename="first.pdf")
        stored = DiskFileStore(files_dir).path_for(hashlib.sha256(data).digest())
        before = stored.stat()
        _, other_key = make_org(sessions)
        again = upload(files_client, other_key, data, filename="second.pdf")
        assert first.status_code == 201 and again.status_code == 200, again.text
        assert again.json() == first.json()  # first uploader's name is kept
        after = stored.stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)

    def test_re_upload_restores_lost_bytes(
        self, files_client: TestClient, key: str, files_dir: Path
    ) -> None:
        data = pdf()
        upload(files_client, key, data)
        DiskFileStore(files_dir).path_for(hashlib.sha256(data).digest()).unlink()
        assert upload(files_client, key, data).status_code == 200
        assert files_client.get(f"{URL}/{hex_digest(data)}").content == data

    def test_directories_are_stripped_from_the_filename(
        self, files_client: TestClient, key: str
    ) -> None:
        response = upload(files_client, key, pdf(), filename="C:\\fakepath\\report.pdf")
        assert response.json()["filename"] == "report.pdf"

    @pytest.mark.parametrize(
        "data",
        [
            pytest.param(b"PK\x03\x04\x14\x00\x00\x00" + b"zipped" * 10, id="zip"),
            pytest.param(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 40, id="elf"),
            pytest.param(b"GIF89a" + bytes(range(256)), id="gif"),
            pytest.param(b"lot,result\nL1,\xff\xfe\n", id="invalid-utf8"),
            pytest.param(b"lot,result\x00\nL1,ok\n", id="text-with-nul"),
        ],
    )
    def test_unsupported_content_is_415_naming_file(
        self, files_client: TestClient, key: str, data: bytes
    ) -> None:
        response = upload(files_client, key, data, filename="x.pdf", declared="application/pdf")
        assert_problem(response, 415, "file")

    def test_empty_file_is_422(self, files_client: TestClient, key: str) -> None:
        assert_problem(upload(files_client, key, b""), 422, "file")

    def test_missing_file_field_is_422(self, files_client: TestClient, key: str) -> None:
        response = files_client.post(URL, data={"other": "x"}, headers=auth(key))
        assert_problem(response, 422, "file")

    def test_exactly_the_limit_is_accepted(self, files_client: TestClient, key: str) -> None:
        data = pdf()
        data += b"\n" * (files_service.MAX_FILE_BYTES - len(data))
        assert upload(files_client, key, data).status_code == 201

    def test_one_byte_over_the_limit_is_413(
        self, files_client: TestClient, key: str, files_dir: Path
    ) -> None:
        data = pdf()
        data += b"\n" * (files_service.MAX_FILE_BYTES + 1 - len(data))
        assert_problem(upload(files_client, key, data), 413, "file")
        assert not files_dir.exists() or not any(p.is_file() for p in files_dir.rglob("*"))

    def test_upload_needs_an_api_key(self, files_client: TestClient) -> None:
        assert_problem(upload(files_client, None, pdf()), 401)

    def test_unknown_api_key_is_401(self, files_client: TestClient) -> None:
        bogus = "lp_000000000000_" + secrets.token_urlsafe(32)
        assert_problem(upload(files_client, bogus, pdf()), 401)


class TestFilenames:
    """The client's name is kept for downloads, minus anything that is not a plain name."""

    @pytest.mark.parametrize(
        ("raw", "clean"),
        [
            ("coa.pdf", "coa.pdf"),
            ("C:\\fakepath\\coa.pdf", "coa.pdf"),
            ("../../etc/passwd", "passwd"),
            ("line\nbreak\u202e.pdf", "linebreak.pdf"),
            ("  ", None),
            ("..", None),
            (None, None),
            ("x" * 300, "x" * 255),
        ],
    )
    def test_clean_filename(self, raw: str | None, clean: str | None) -> None:
        assert files_service.clean_filename(raw) == clean


class TestDownload:
    def test_returns_the_bytes_with_the_sniffed_type(
        self, files_client: TestClient, key: str
    ) -> None:
        data = pdf()
        upload(files_client, key, data, filename="Prüfbericht L1.pdf", declared="text/html")
        response = files_client.get(f"{URL}/{hex_digest(data)}")  # no API key: public
        assert response.status_code == 200
        assert response.content == data
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["x-content-type-options"] == "nosniff"
        disposition = response.headers["content-disposition"]
        assert disposition.startswith('inline; filename="Pr_fbericht L1.pdf"')
        assert "filename*=UTF-8''Pr%C3%BCfbericht%20L1.pdf" in disposition

    def test_text_is_served_as_plain_utf8(self, files_client: TestClient, key: str) -> None:
        data = csv_text()
        upload(files_client, key, data, filename="results.csv")
        response = files_client.get(f"{URL}/{hex_digest(data)}")
        assert response.content == data
        assert response.headers["content-type"] == "text/plain; charset=utf-8"

    @pytest.mark.parametrize("filename", ["/", ".."])
    def test_without_a_usable_filename_the_digest_names_the_download(
        self, files_client: TestClient, key: str, filename: str
    ) -> None:
        data = png()
        created = upload(files_client, key, data, filename=filename)
        assert created.status_code == 201 and created.json()["filename"] is None, created.text
        response = files_client.get(f"{URL}/{hex_digest(data)}")
        assert f'filename="{hex_digest(data)}.png"' in response.headers["content-disposition"]

    def test_tampered_bytes_are_never_served(
        self, files_client: TestClient, key: str, files_dir: Path
    ) -> None:
        data = pdf()
        upload(files_client, key, data)
        tampered = data.replace(b"analysis", b"ANALYSIS")
        DiskFileStore(files_dir).path_for(hashlib.sha256(data).digest()).write_bytes(tampered)
        response = files_client.get(f"{URL}/{hex_digest(data)}")
        problem = assert_problem(response, 500)
        assert problem["title"] == "Stored file is corrupt"
        assert tampered not in response.content and b"ANALYSIS" not in response.content

    def test_lost_bytes_are_a_server_error(
        self, files_client: TestClient, key: str, files_dir: Path
    ) -> None:
        data = pdf()
        upload(files_client, key, data)
        DiskFileStore(files_dir).path_for(hashlib.sha256(data).digest()).unlink()
        problem = assert_problem(files_client.get(f"{URL}/{hex_digest(data)}"), 500)
        assert problem["title"] == "Stored file is missing"

    def test_unknown_digest_is_404(self, files_client: TestClient) -> None:
        assert_problem(files_client.get(f"{URL}/{hex_digest(pdf())}"), 404)

    def test_bytes_on_disk_without_an_entry_are_404(
        self, files_client: TestClient, files_dir: Path
    ) -> None:
        data = pdf()
        DiskFileStore(files_dir).put(hashlib.sha256(data).digest(), data)
        assert_problem(files_client.get(f"{URL}/{hex_digest(data)}"), 404)

    @pytest.mark.parametrize(
        "digest",
        [
            "ab" * 32,  # no 0x
            "0x" + "AB" * 32,  # upper case
            "0x" + "ab" * 31,  # too short
            "0x" + "ab" * 33,  # too long
            "0x" + "zz" * 32,  # not hex
        ],
    )
    def test_malformed_digest_is_422(self, files_client: TestClient, digest: str) -> None:
        assert_problem(files_client.get(f"{URL}/{digest}"), 422, "digest")


class TestCitingEvidence:
    """``service.records.evidence``: the one rule every record's citations pass."""

    def test_known_digests_pass_in_the_order_given(
        self, files_client: TestClient, key: str, sessions: SessionFactory
    ) -> None:
        first, second = pdf(), png()
        upload(files_client, key, first)
        upload(files_client, key, second)
        cited = [hex_digest(second), hex_digest(first)]
        with sessions.read() as session:
            assert checked_evidence(session, cited, "evidence") == cited
            assert checked_evidence(session, [], "evidence") == []

    def test_an_unknown_digest_is_named_with_its_index(
        self, files_client: TestClient, key: str, sessions: SessionFactory
    ) -> None:
        known, unknown = pdf(), pdf()
        upload(files_client, key, known)
        cited = [hex_digest(known), hex_digest(unknown)]
        with sessions.read() as session, pytest.raises(InvalidInput) as caught:
            checked_evidence(session, cited, "details.evidence")
        assert caught.value.field == "details.evidence.1"
        assert hex_digest(unknown) in caught.value.detail
        assert hex_digest(known) not in caught.value.detail

    def test_a_file_cited_twice_is_refused(
        self, files_client: TestClient, key: str, sessions: SessionFactory
    ) -> None:
        data = pdf()
        upload(files_client, key, data)
        with sessions.read() as session, pytest.raises(InvalidInput) as caught:
            checked_evidence(session, [hex_digest(data)] * 2, "evidence")
        assert caught.value.field == "evidence.1"
        assert "once" in caught.value.detail

    @pytest.mark.parametrize("cited", ["0x" + "ab" * 32, [1], {"a": 1}, None])
    def test_not_a_list_of_strings_is_refused(
        self, sessions: SessionFactory, cited: object
    ) -> None:
        with sessions.read() as session, pytest.raises(InvalidInput) as caught:
            checked_evidence(session, cited, "details.evidence")
        assert caught.value.field == "details.evidence"

    def test_a_malformed_digest_is_named_with_its_index(self, sessions: SessionFactory) -> None:
        with sessions.read() as session, pytest.raises(InvalidInput) as caught:
            checked_evidence(session, ["0x" + "AB" * 32], "evidence")
        assert caught.value.field == "evidence.0"
