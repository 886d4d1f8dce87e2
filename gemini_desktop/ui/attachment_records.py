"""A sent message's attachments as the history keeps them (engine Attachment -> store AttachmentRecord).

Belongs with whoever writes the history (today the session controller, later the conversation controller); it
hashes files and writes image blobs, so run it inside a HistoryWriter job, never on the UI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from gemini_desktop.engine.attachments import Attachment, AttachmentError, AttachmentKind
from gemini_desktop.store import AttachmentRecord, BlobStore, StoreError, file_reference, image_record

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
