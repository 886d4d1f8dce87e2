"""Content-addressed files under the data folder: pasted images, the before-images of file edits.

A blob is named by the sha256 of its bytes, so the same content is stored once however often it is sent or
saved, a name can be kept in the database as a plain reference, and a damaged file is detected on read.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from gemini_desktop.paths import private_folder
from gemini_desktop.store.records import StoreError

CHUNK_BYTES = 1 << 20


class BlobMissing(StoreError):
    """The blob is not there (deleted by hand) or its bytes no longer match its name."""


def sha256_of_file(path: Path) -> str:
    """Hash in chunks: a 1 GB file is never read into memory at once."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


class BlobStore:
    """Blobs live in `root/ab/abcdef...` (two-letter fan-out keeps folders small); owner-only like the rest."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise BlobMissing(f"Not a blob name: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        """Content already stored is not written again: an edited file's before-image is usually the previous
        edit's after-image."""
        sha256 = hashlib.sha256(data).hexdigest()
        if self.exists(sha256):
            return sha256

        def write(file: BinaryIO) -> str:
            file.write(data)
            return sha256

        return self._store(write)

    def put_file(self, source: Path) -> str:
        """Copy a file in, streamed and hashed as it is copied: the name is the hash of what was copied."""

        def copy(file: BinaryIO) -> str:
            digest = hashlib.sha256()
            with open(source, "rb") as original:
                while chunk := original.read(CHUNK_BYTES):
                    digest.update(chunk)
                    file.write(chunk)
            return digest.hexdigest()

        return self._store(copy)

    def _store(self, write: Callable[[BinaryIO], str]) -> str:
        """Write into a private temporary file, then move it to its name (or drop it: the content is there)."""
        try:
            private_folder(self.root)
            descriptor, temporary = tempfile.mkstemp(dir=self.root, prefix=".incoming-")  # 0600 from the start
            try:
                with os.fdopen(descriptor, "wb") as file:
                    sha256 = write(file)
                    file.flush()
                    os.fsync(file.fileno())
                target = self.path(sha256)
                if target.is_file():
                    os.unlink(temporary)
                else:
                    private_folder(target.parent)
                    os.replace(temporary, target)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            raise StoreError(f"The file store {self.root} cannot be written: {exc}") from exc
        return sha256

    def read(self, sha256: str) -> bytes:
        try:
            data = self.path(sha256).read_bytes()
        except OSError as exc:
            raise BlobMissing(f"Stored content {sha256[:12]}… is missing: {exc}") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise BlobMissing(f"Stored content {sha256[:12]}… is damaged.")
        return data

    def exists(self, sha256: str) -> bool:
        try:
            return self.path(sha256).is_file()
        except BlobMissing:
            return False
