"""What the history records of a sent message's attachments."""

from __future__ import annotations

import base64
from pathlib import Path

from gemini_desktop.engine import Attachment, attach
from gemini_desktop.store import BlobStore, sha256_of_file
from gemini_desktop.ui.attachment_records import attachment_records

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def test_images_go_to_the_blob_store_files_are_referenced_and_a_vanished_file_is_still_named(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path / "blobs")
    notes, gone, picture = tmp_path / "notes.txt", tmp_path / "gone.txt", tmp_path / "shot.png"
    notes.write_text("text")
    gone.write_text("soon gone")
    picture.write_bytes(PNG)
    sent = (attach(notes, tmp_path), attach(tmp_path, tmp_path), attach(picture, tmp_path),
            Attachment.pasted_image(PNG), attach(gone, tmp_path))
    gone.unlink()
    records = attachment_records(sent, blobs)
    assert [(r.kind, r.name, r.path) for r in records] == [
        ("file", "notes.txt", str(notes)), ("folder", tmp_path.name, str(tmp_path)),
        ("image", "shot.png", str(picture)), ("image", "pasted image", ""), ("file", "gone.txt", str(gone))]
    assert records[0].sha256 == sha256_of_file(notes) and records[0].size == 4
    assert records[2].sha256 == records[3].sha256 and blobs.read(records[2].sha256) == PNG  # stored once
    assert records[4].sha256 == "" and records[4].size == len("soon gone")
