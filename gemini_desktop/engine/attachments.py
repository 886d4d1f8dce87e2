"""What a message carries besides its text: files and folders (sent as references), images (sent as bytes).

Qt-free. A file is never read into memory here: it is checked (exists, readable, text or image) from its first
bytes only, and gemini reads it itself through the `resource_link` block. An image is read (at most
`IMAGE_LIMIT` bytes) and its type is taken from its bytes, never from its name. Everything is checked twice:
when attached (so the composer can say at once what is wrong) and again just before sending (a file deleted in
between fails that message with a clear reason instead of being skipped, or worse, replaced by whatever file
gemini's fuzzy fallback finds under a similar name).
"""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from gemini_desktop.engine.file_index import is_ignored
from gemini_desktop.engine.types import EngineError

IMAGE_LIMIT = 20 * 1024 * 1024  # the Gemini API's inline data limit for one request
SNIFF_BYTES = 8192  # as git does: a NUL byte in the first 8 KB makes a file binary
INLINE_LIMIT = 1024 * 1024  # a file gemini's ignore rules hide is sent inline, up to this size

# Magic numbers: (offset, bytes) that must all match -> mime type.
_IMAGE_SIGNATURES: tuple[tuple[tuple[tuple[int, bytes], ...], str], ...] = (
    (((0, b"\x89PNG\r\n\x1a\n"),), "image/png"),
    (((0, b"\xff\xd8\xff"),), "image/jpeg"),
    (((0, b"GIF87a"),), "image/gif"),
    (((0, b"GIF89a"),), "image/gif"),
    (((0, b"RIFF"), (8, b"WEBP")), "image/webp"),
    (((4, b"ftypheic"),), "image/heic"),
    (((4, b"ftypheix"),), "image/heic"),
    (((4, b"ftypmif1"),), "image/heif"),
)


class AttachmentKind(StrEnum):
    FILE = "file"
    FOLDER = "folder"
    IMAGE = "image"


class AttachmentError(EngineError):
    """An attachment that cannot be sent; the text names it and says why (meant for the user)."""

    def __init__(self, message: str, name: str = "") -> None:
        super().__init__(message)
        self.name = name


def image_mime_type(head: bytes) -> str | None:
    """The image type its first bytes say, whatever its name claims; None when they are no image we know."""
    for checks, mime in _IMAGE_SIGNATURES:
        if all(head[offset:offset + len(magic)] == magic for offset, magic in checks):
            return mime
    return None


def file_uri(path: Path) -> str:
    """`file://` + the absolute path, not percent-encoded: gemini-cli 0.61 cuts the scheme off and opens the rest
    as a path, so an encoded name (a space as %20) would not be found."""
    return "file://" + path.as_posix()


@dataclass(frozen=True)
class Attachment:
    """One attached thing. `path` is None only for an image pasted from the clipboard (its bytes are `data`)."""

    kind: AttachmentKind
    name: str
    path: Path | None = None
    mime_type: str = ""
    size: int = 0
    data: bytes | None = field(default=None, repr=False, compare=False)
    outside_folder: bool = False
    """Not under the conversation's working folder: allowed, but gemini asks before reading it; show it."""
    ignored: bool = False
    """Hidden by .gitignore/.geminiignore: gemini would skip a reference to it without a word, so its text is sent
    inline instead (needs the agent's embeddedContext)."""

    @classmethod
    def pasted_image(cls, data: bytes, name: str = "pasted image") -> Attachment:
        _check_image_size(len(data), name)
        mime = image_mime_type(data[:SNIFF_BYTES])
        if mime is None:
            raise AttachmentError(f"{name} is not an image this app can send (PNG, JPEG, GIF, WebP, HEIC, HEIF).",
                                  name)
        return cls(AttachmentKind.IMAGE, name, None, mime, len(data), data)

    def image_bytes(self) -> bytes:
        """The image as it is now: pasted bytes, or the file read again (checked again: it may have changed)."""
        if self.data is not None:
            return self.data
        assert self.path is not None
        data = _read_limited(self.path, self.name)
        if image_mime_type(data[:SNIFF_BYTES]) is None:
            raise AttachmentError(f"{self.name} is no longer an image.", self.name)
        return data


def attach(path: Path, working_folder: Path) -> Attachment:
    """Check a file or folder the user picked, dropped or mentioned, and say what it is.

    Raises AttachmentError for what cannot be sent: missing, unreadable, an image over 20 MB, a binary file
    that is not an image. A big text file is fine: only its first bytes are read here.
    """
    path = Path(os.path.abspath(path))
    folder = Path(os.path.abspath(working_folder))
    name = path.name or str(path)
    outside = not _is_under(path, folder)
    ignored = not outside and is_ignored(path, folder)
    try:
        status = path.stat()
    except FileNotFoundError:
        raise AttachmentError(f"{name} does not exist (was it moved or deleted?).", name) from None
    except OSError as exc:
        raise AttachmentError(f"{name} cannot be read: {exc.strerror or exc}.", name) from None
    if path.is_dir():
        if not os.access(path, os.R_OK | os.X_OK):
            raise AttachmentError(f"The folder {name} cannot be read (permission denied).", name)
        if outside:  # gemini-cli 0.61 skips it with only a warning in its thoughts
            raise AttachmentError(f"The folder {name} is outside the working folder, and gemini only reads folders "
                                  "inside it; attach the files you need from it instead.", name)
        if ignored:
            raise AttachmentError(f"The folder {name} is hidden from gemini by .gitignore or .geminiignore, so gemini "
                                  "would not read it; attach the files you need from it instead.", name)
        return Attachment(AttachmentKind.FOLDER, name, path, outside_folder=outside)
    if not stat.S_ISREG(status.st_mode):  # a pipe would block the read, a device never end
        raise AttachmentError(f"{name} is not a regular file (a pipe, socket or device) and cannot be sent.", name)
    head = _read_head(path, name)
    mime = image_mime_type(head)
    if mime is not None:
        _check_image_size(status.st_size, name)
        return Attachment(AttachmentKind.IMAGE, name, path, mime, status.st_size, outside_folder=outside)
    if b"\0" in head:
        raise AttachmentError(f"{name} is a binary file that is not an image: gemini cannot read it.", name)
    if ignored:
        _check_inline_size(status.st_size, name)
    return Attachment(AttachmentKind.FILE, name, path, "", status.st_size, outside_folder=outside, ignored=ignored)


@dataclass(frozen=True)
class Message:
    """What the user sends: text plus attachments, in the order they were added."""

    text: str
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def of(cls, message: str | Message) -> Message:
        return message if isinstance(message, Message) else cls(message)


@dataclass(frozen=True)
class PromptCapabilities:
    """What the agent said in `initialize` it accepts in a prompt besides text and resource links."""

    image: bool = False
    audio: bool = False
    embedded_context: bool = False

    @classmethod
    def from_schema(cls, capabilities: Any) -> PromptCapabilities:
        return cls(bool(getattr(capabilities, "image", False)), bool(getattr(capabilities, "audio", False)),
                   bool(getattr(capabilities, "embedded_context", False)))

    def accepts(self, capability: str) -> bool:
        """By its ACP name: "image", "audio" or "embeddedContext"."""
        return {"image": self.image, "audio": self.audio, "embeddedContext": self.embedded_context}[capability]


def _required_capability(attachment: Attachment) -> str | None:
    if attachment.kind == AttachmentKind.IMAGE:
        return "image"
    return "embeddedContext" if attachment.ignored else None


def missing_capabilities(attachments: Iterable[Attachment], capabilities: PromptCapabilities) -> list[str]:
    """Capabilities the attachments need that the agent did not advertise (e.g. ["image"])."""
    needed = {capability for a in attachments if (capability := _required_capability(a)) is not None}
    return sorted(capability for capability in needed if not capabilities.accepts(capability))


def prompt_blocks(message: Message, capabilities: PromptCapabilities) -> list[Any]:
    """The ACP prompt for a message: its text, then one block per attachment, checked again now.

    Raises AttachmentError naming what the agent does not accept or which attachment is gone: a message is sent
    whole or not at all, never with something quietly left out.
    """
    import acp  # here, not at the top: the SDK takes seconds to import and this module is needed before that

    missing = missing_capabilities(message.attachments, capabilities)
    if missing:
        raise AttachmentError(
            f"This version of gemini does not accept {', '.join(missing)} attachments; remove them to send the "
            "message.")
    blocks: list[Any] = [acp.text_block(message.text)] if message.text or not message.attachments else []
    for attachment in message.attachments:
        if attachment.kind == AttachmentKind.IMAGE:
            data = attachment.image_bytes()
            blocks.append(acp.image_block(base64.b64encode(data).decode("ascii"),
                                          image_mime_type(data[:SNIFF_BYTES]) or attachment.mime_type))
            continue
        assert attachment.path is not None
        if not attachment.path.exists():
            raise _gone(attachment.name)
        # what it is now (its own folder as the working folder: where it sits was judged when it was attached)
        current = attach(attachment.path, attachment.path.parent)
        if current.kind != attachment.kind:
            raise AttachmentError(f"{attachment.name} changed since it was attached (it is now a {current.kind}); "
                                  "attach it again.", attachment.name)
        if attachment.ignored:
            blocks.append(acp.resource_block(acp.embedded_text_resource(file_uri(attachment.path),
                                                                        _read_inline(attachment.path, current.size,
                                                                                     attachment.name))))
            continue
        blocks.append(acp.resource_link_block(attachment.name, file_uri(attachment.path),
                                              size=current.size if current.kind == AttachmentKind.FILE else None))
    return blocks


def _is_under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _gone(name: str) -> AttachmentError:
    return AttachmentError(f"{name} was deleted or moved after it was attached; attach it again or remove it.", name)


def _check_image_size(size: int, name: str) -> None:
    if size > IMAGE_LIMIT:
        raise AttachmentError(f"{name} is {size / (1024 * 1024):.1f} MB; images can be at most "
                              f"{IMAGE_LIMIT // (1024 * 1024)} MB.", name)


def _check_inline_size(size: int, name: str) -> None:
    if size > INLINE_LIMIT:
        raise AttachmentError(f"{name} is hidden from gemini by .gitignore or .geminiignore, so it has to be sent "
                              f"inline, and it is too big for that ({size / (1024 * 1024):.1f} MB; at most "
                              f"{INLINE_LIMIT // (1024 * 1024)} MB).", name)


def _read_inline(path: Path, size: int, name: str) -> str:
    _check_inline_size(size, name)
    try:
        with open(path, "rb") as file:
            data = file.read(INLINE_LIMIT + 1)
    except OSError as exc:
        raise AttachmentError(f"{name} cannot be read: {exc.strerror or exc}.", name) from None
    _check_inline_size(len(data), name)
    return data.decode("utf-8", errors="replace")


def _read_head(path: Path, name: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise AttachmentError(f"{name} does not exist (was it moved or deleted?).", name) from None
    except OSError as exc:
        raise AttachmentError(f"{name} cannot be read: {exc.strerror or exc}.", name) from None


def _read_limited(path: Path, name: str) -> bytes:
    """Read an image, refusing it before reading more than the limit (it may have grown since it was attached)."""
    try:
        with open(path, "rb") as file:
            data = file.read(IMAGE_LIMIT + 1)
    except FileNotFoundError:
        raise _gone(name) from None
    except OSError as exc:
        raise AttachmentError(f"{name} cannot be read: {exc.strerror or exc}.", name) from None
    _check_image_size(len(data), name)
    return data
