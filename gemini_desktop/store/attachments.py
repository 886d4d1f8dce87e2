"""What a message was sent with, as the history keeps it: files and folders referenced, images kept as blobs.

Both are slow for big inputs (a file is hashed, an image written), so callers run them off the UI thread,
e.g. inside a HistoryWriter job, just before the message is added.
"""

from __future__ import annotations

from pathlib import Path

from gemini_desktop.store.blobs import BlobStore, sha256_of_file
from gemini_desktop.store.records import AttachmentRecord, StoreError


def file_reference(path: Path) -> AttachmentRecord:
    """A file (size and sha256 now, hashed streamed: a 1 GB file is never held in memory) or a folder (its path)."""
    try:
        if path.is_dir():
            return AttachmentRecord("folder", path.name or str(path), str(path))
        return AttachmentRecord("file", path.name, str(path), path.stat().st_size, sha256_of_file(path))
    except OSError as exc:
        raise StoreError(f"{path.name} could not be read to record it: {exc.strerror or exc}") from exc


def image_record(blobs: BlobStore, data: bytes, mime_type: str, name: str, path: str = "") -> AttachmentRecord:
    """Keep an image's bytes in the blob store (once, however often it is sent) and name them by their sha256."""
    return AttachmentRecord("image", name, path, len(data), blobs.put(data), mime_type)
