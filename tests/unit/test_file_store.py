"""DiskFileStore: content-addressed, atomic, and never hands out bytes that don't match."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from service.files.storage import CorruptFile, DiskFileStore

DATA = b"%PDF-1.7 certificate of analysis, lot L1\n"
DIGEST = hashlib.sha256(DATA).digest()


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


class TestRoundTrip:
    def test_get_returns_what_put_stored(self, tmp_path: Path) -> None:
        store = DiskFileStore(tmp_path)
        store.put(DIGEST, DATA)
        assert store.get(DIGEST) == DATA
        assert store.exists(DIGEST)

    def test_unknown_digest_is_absent(self, tmp_path: Path) -> None:
        store = DiskFileStore(tmp_path)
        assert store.get(DIGEST) is None
        assert not store.exists(DIGEST)

    def test_put_twice_keeps_one_file(self, tmp_path: Path) -> None:
        store = DiskFileStore(tmp_path)
        store.put(DIGEST, DATA)
        store.put(DIGEST, DATA)
        assert all_files(tmp_path) == [store.path_for(DIGEST)]

    def test_put_refuses_bytes_that_do_not_hash_to_the_digest(self, tmp_path: Path) -> None:
        store = DiskFileStore(tmp_path)
        with pytest.raises(ValueError, match="does not hash"):
            store.put(DIGEST, DATA + b"x")
        assert all_files(tmp_path) == []

    def test_digest_must_be_32_bytes(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="32 bytes"):
            DiskFileStore(tmp_path).get(DIGEST[:31])


class TestLayout:
    def test_files_fan_out_by_the_first_two_bytes(self, tmp_path: Path) -> None:
        store = DiskFileStore(tmp_path)
        store.put(DIGEST, DATA)
        name = DIGEST.hex()
        expected = tmp_path / name[:2] / name[2:4] / name
        assert store.path_for(DIGEST) == expected
        assert all_files(tmp_path) == [expected]
        assert expected.read_bytes() == DATA


class TestAtomicWrite:
    def test_a_successful_put_leaves_no_temp_file(self, tmp_path: Path) -> None:
        store = DiskFileStore(tmp_path)
        store.put(DIGEST, DATA)
        assert [p.name for p in all_files(tmp_path)] == [DIGEST.hex()]

    @pytest.mark.parametrize("failing", ["fsync", "replace"])
    def test_a_crash_mid_write_leaves_neither_temp_nor_final_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
    ) -> None:
        store = DiskFileStore(tmp_path)
        # Existing fan-out dirs, so the crash hits the file write, not the directory setup.
        store.path_for(DIGEST).parent.mkdir(parents=True)
        seen_at_crash: list[Path] = []

        def crash(*_: object) -> None:
            seen_at_crash.extend(all_files(tmp_path))
            raise OSError("disk full")

        monkeypatch.setattr(os, failing, crash)
        with pytest.raises(OSError, match="disk full"):
            store.put(DIGEST, DATA)
        monkeypatch.undo()
        assert [p.suffix for p in seen_at_crash] == [".tmp"]  # the crash hit mid-write
        assert all_files(tmp_path) == []
        assert store.get(DIGEST) is None

    def test_a_failed_rewrite_keeps_the_good_file(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        store = DiskFileStore(tmp_path)
        store.put(DIGEST, DATA)

        def crash(*_: object) -> None:
            raise OSError("disk full")

        monkeypatch.setattr(os, "replace", crash)
        with pytest.raises(OSError):
            store.put(DIGEST, DATA)
        monkeypatch.undo()
        assert store.get(DIGEST) == DATA
        assert all_files(tmp_path) == [store.path_for(DIGEST)]


class TestCorruption:
    def test_changed_bytes_are_detected(self, tmp_path: Path) -> None:
        store = DiskFileStore(tmp_path)
        store.put(DIGEST, DATA)
        store.path_for(DIGEST).write_bytes(DATA.replace(b"L1", b"L2"))
        with pytest.raises(CorruptFile) as caught:
            store.get(DIGEST)
        assert caught.value.status_code == 500
        assert DIGEST.hex() in caught.value.detail

    def test_truncated_file_is_detected(self, tmp_path: Path) -> None:
        store = DiskFileStore(tmp_path)
        store.put(DIGEST, DATA)
        store.path_for(DIGEST).write_bytes(DATA[:10])
        with pytest.raises(CorruptFile):
            store.get(DIGEST)

    def test_a_good_put_repairs_a_corrupt_file(self, tmp_path: Path) -> None:
        store = DiskFileStore(tmp_path)
        store.put(DIGEST, DATA)
        store.path_for(DIGEST).write_bytes(b"garbage")
        store.put(DIGEST, DATA)
        assert store.get(DIGEST) == DATA
