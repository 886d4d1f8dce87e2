"""A message's attachments between the engine, the history and the views.

`attachment_records` turns what was sent into what the history keeps (images into the blob store, files as
references); it hashes files and writes image blobs, so it runs inside a HistoryWriter job, never on the UI
thread. `shown_attachments` and `stored_messages` turn both into what a view draws (`ShownAttachment`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

from gemini_desktop.conversation.model import ShownAttachment, StoredMessage
from gemini_desktop.engine.attachments import Attachment, AttachmentError, AttachmentKind, attached_note
from gemini_desktop.engine.types import TranscriptTurn
from gemini_desktop.store import AttachmentRecord, BlobStore, MessageRecord, StoreError, file_reference, image_record

log = logging.getLogger(__name__)


def attachment_records(attachments: Sequence[Attachment], blobs: BlobStore) -> list[AttachmentRecord]:
    """Images into the blob store, files and folders as references. An attachment that can no longer be read is
    still recorded, by name and path (the message was sent with it; losing the whole history write would be worse)."""
    records = []
    for attachment in attachments:
        path = str(attachment.path) if attachment.path is not None else ""
        try:
            if attachment.kind == AttachmentKind.IMAGE:
                records.append(image_record(blobs, attachment.image_bytes(), attachment.mime_type, attachment.name,
                                            path))
            else:
                assert attachment.path is not None
                records.append(file_reference(attachment.path))
        except (AttachmentError, StoreError) as error:
            log.warning("attachment %s recorded without its content: %s", attachment.name, error)
            records.append(AttachmentRecord(str(attachment.kind), attachment.name, path, attachment.size, "",
                                            attachment.mime_type))
    return records


def shown_attachments(attachments: Sequence[Attachment]) -> tuple[ShownAttachment, ...]:
    """What a message being sent shows: a pasted image from its bytes, a picked one from its file."""
    shown = []
    for attachment in attachments:
        path = str(attachment.path) if attachment.path is not None else ""
        image_file = path if attachment.kind == AttachmentKind.IMAGE else ""
        shown.append(ShownAttachment(str(attachment.kind), attachment.name, path, image_file, attachment.data,
                                     attachment.outside_folder))
    return tuple(shown)


def shown_records(records: Sequence[AttachmentRecord], blobs: BlobStore, folder: str) -> tuple[ShownAttachment, ...]:
    """What a stored message shows: an image from its copy in the blob store (the original may be gone), a file
    by its recorded path, marked when it lies outside the conversation's folder."""
    shown = []
    for record in records:
        image_file = ""
        if record.kind == "image" and record.sha256:
            try:
                image_file = str(blobs.path(record.sha256))
            except StoreError as error:  # a damaged record: shown by name, without a picture
                log.warning("attachment %s has no usable blob name: %s", record.name, error)
        outside = bool(record.path and folder) and not _is_under(record.path, folder)
        shown.append(ShownAttachment(record.kind, record.name, record.path, image_file, None, outside))
    return tuple(shown)


def stored_messages(messages: Sequence[MessageRecord], blobs: BlobStore, folder: str) -> list[StoredMessage]:
    """The history's messages as a model loads them, each with its attachments."""
    return [(m.role, m.text, m.state, shown_records(m.attachments, blobs, folder)) for m in messages]


def stored_turns(messages: Sequence[MessageRecord]) -> list[TranscriptTurn]:
    """The history's messages as gemini gets them for a rebuilt or seeded resume: a message still names the
    files it was sent with, as the engine's own copy does."""
    return [TranscriptTurn(m.role, m.text + attached_note([a.path or a.name for a in m.attachments]))
            for m in messages if m.text and m.role in ("user", "assistant")]


def _is_under(path: str, folder: str) -> bool:
    path, folder = os.path.abspath(path), os.path.abspath(folder)
    return path == folder or Path(folder) in Path(path).parents
