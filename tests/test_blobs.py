"""The content-addressed file store shared by pasted images and the before-images of file edits."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from gemini_desktop.store import BlobMissing, BlobStore, sha256_of_file


def test_the_same_content_is_stored_once_under_its_sha256(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    first = blobs.put(image)
    assert first == hashlib.sha256(image).hexdigest()
    assert blobs.put(image) == first
    source = tmp_path / "copy.png"
    source.write_bytes(image)
    assert blobs.put_file(source) == first
    stored = [path for path in (tmp_path / "blobs").rglob("*") if path.is_file()]
    assert stored == [blobs.path(first)], "one file for one content, and no temporary file left behind"
    assert blobs.read(first) == image
    assert blobs.put(b"") == hashlib.sha256(b"").hexdigest()


def test_a_large_file_is_copied_and_hashed_in_chunks(tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    with open(source, "wb") as file:
        for index in range(40):
            file.write(bytes([index]) * (1 << 20))
    blobs = BlobStore(tmp_path / "blobs")
    name = blobs.put_file(source)
    assert name == sha256_of_file(source) == hashlib.sha256(source.read_bytes()).hexdigest()
    assert blobs.path(name).stat().st_size == source.stat().st_size


@pytest.mark.skipif(os.name != "posix", reason="file modes are a Unix matter")
def test_blobs_are_owner_only_under_a_permissive_umask(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        blobs = BlobStore(tmp_path / "blobs")
        name = blobs.put(b"private")
    finally:
        os.umask(previous)
    assert stat.S_IMODE(blobs.path(name).stat().st_mode) == 0o600
    assert stat.S_IMODE(blobs.path(name).parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "blobs").stat().st_mode) == 0o700


def test_a_missing_or_damaged_blob_is_reported_not_returned(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    name = blobs.put(b"original bytes")
    blobs.path(name).write_bytes(b"changed by hand")
    with pytest.raises(BlobMissing, match="damaged"):
        blobs.read(name)
    blobs.path(name).unlink()
    assert not blobs.exists(name)
    with pytest.raises(BlobMissing, match="missing"):
        blobs.read(name)
    with pytest.raises(BlobMissing):
        blobs.path("../../etc/passwd")
