"""Plain value types the store hands out, so callers never see sqlite rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

MESSAGE_STATES = ("complete", "streaming", "interrupted", "failed")
ROLES = ("user", "assistant")
SOURCES = ("app", "cli-import")
ATTACHMENT_KINDS = ("file", "folder", "image")


class StoreError(Exception):
    """The history database cannot be used; the text is meant for the user."""


class StoreBusy(StoreError):
    """Another connection holds the write lock: the same write succeeds later, so retry it."""


class StoreFull(StoreError):
    """The disk (or the file system's quota) is full: the same write succeeds once space is back."""


@dataclass(frozen=True)
class SessionRecord:
    id: int
    gemini_session_id: str | None
    title: str
    """Display title: the user-given title, else the first real user message, shortened ("" when neither)."""
    user_title: str | None
    cwd: str
    model: str | None
    created: datetime
    updated: datetime
    message_count: int
    source: str
    agent: str = ""  # the agent profile's name; "" is gemini (every conversation from before agents)


@dataclass(frozen=True)
class AttachmentRecord:
    """Something sent with a message. A file or folder is a reference: its path, and for a file its size and
    sha256 at send time (the file itself may change or go later). An image is kept: `sha256` names its blob
    in the BlobStore (`path` is where it came from, "" for a pasted one)."""

    kind: str  # "file" | "folder" | "image"
    name: str
    path: str = ""
    size: int = 0
    sha256: str = ""
    mime_type: str = ""


@dataclass(frozen=True)
class MessageRecord:
    id: int
    session_id: int
    role: str
    text: str
    thoughts: str
    created: datetime
    updated: datetime
    input_tokens: int
    output_tokens: int
    state: str
    attachments: tuple[AttachmentRecord, ...] = ()


@dataclass(frozen=True)
class ToolCallRecord:
    id: int
    session_id: int
    message_id: int | None
    tool_call_id: str
    title: str
    kind: str
    status: str
    paths: tuple[str, ...]
    diff: str
    decision: str | None
    created: datetime
    updated: datetime


@dataclass(frozen=True)
class TurnSnapshotRecord:
    """A turn's snapshots: the answer it belongs to (None until its tool call is saved), the key in the shadow
    repository of `work_tree`, the files it changed and those the bounds left out."""

    message_id: int | None
    snapshot_key: str
    work_tree: str
    paths: tuple[str, ...]
    skipped: tuple[str, ...]


@dataclass(frozen=True)
class FileEditRecord:
    """One file write gemini made through the app; the images are blob names (before None: no file before)."""

    id: int
    session_id: int | None
    gemini_session_id: str
    message_id: int | None
    tool_call_id: str
    path: str
    before_sha256: str | None
    after_sha256: str
    created: datetime
    undone: datetime | None


@dataclass(frozen=True)
class SearchHit:
    """One matching message; `snippet` is plain text, `matches` are (start, length) spans inside it."""

    session: SessionRecord
    message_id: int
    role: str
    snippet: str
    matches: tuple[tuple[int, int], ...]
    created: datetime


@dataclass
class ImportReport:
    sessions_added: int = 0
    sessions_updated: int = 0
    messages_added: int = 0
    files_skipped: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ImportedToolCall:
    """A tool call read from a CLI session file (used by the importer, not by the UI)."""

    tool_call_id: str
    title: str
    kind: str
    status: str
    paths: tuple[str, ...]
    diff: str


@dataclass(frozen=True)
class ImportedMessage:
    """One conversation message read from a CLI session file; `external_id` is the CLI's message id."""

    external_id: str
    role: str
    text: str
    thoughts: str
    created: float
    input_tokens: int
    output_tokens: int
    tool_calls: tuple[ImportedToolCall, ...] = ()


@dataclass(frozen=True)
class ImportedSession:
    gemini_session_id: str
    cwd: str
    model: str | None
    created: float
    updated: float
    messages: tuple[ImportedMessage, ...]


@dataclass(frozen=True)
class MergeOutcome:
    added: bool
    updated: bool
    messages_added: int
