"""gemini-cli's session file format (`~/.gemini/tmp/<project>/chats/session-*.jsonl`), read-only and Qt-free.

Shared by the engine (which checks and rebuilds a conversation around a resume) and the store (which imports
the CLI's history), so both read the files the same way the CLI does: an append-only log of a header,
message records (a later record with the same "id" replaces the earlier one), `{"$set": {...}}` patches (a
`messages` list in a patch replaces the whole list) and `{"$rewindTo": id}` records. Older CLIs wrote one
JSON object per file. Nothing in them is trusted: a bad record is skipped and reported, the rest is kept.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

PREAMBLES = ("<session_context>", "<hook_context>")
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024  # an older single-object file is parsed whole only up to this size
MAX_REPORTED_PROBLEMS = 20


@dataclass
class SessionFile:
    """What one file says about a session, in file order."""

    path: Path
    metadata: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    read_error: str | None = None
    """Why the file could not be read (then nothing else is known about it)."""

    @property
    def session_id(self) -> str | None:
        value = self.metadata.get("sessionId")
        return value if isinstance(value, str) and value else None


def content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, dict):
        content = [content]
    if isinstance(content, list):
        return "".join(part["text"] for part in content
                       if isinstance(part, dict) and isinstance(part.get("text"), str))
    return ""


def is_preamble(text: str) -> bool:
    """The context block the CLI sends as the first user message; never something the user typed."""
    return text.strip().startswith(PREAMBLES)


def open_regular_file(path: Path) -> BinaryIO:
    """Open for reading only if `path` is a regular file: a FIFO or a device found among the CLI's files
    must never block or feed us forever (the open itself does not wait, thanks to O_NONBLOCK)."""
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


def read_session_file(path: Path, problem: Callable[[str], None] = lambda _: None,
                      keep: Callable[[dict[str, Any]], dict[str, Any]] = lambda record: record) -> SessionFile:
    """Read a session file line by line (memory follows what is kept, not the file's size).

    `keep` slims each message record before it is stored, so a caller that needs only a few fields does
    not hold a huge tool output in memory. Problems are reported through `problem`, at most
    MAX_REPORTED_PROBLEMS per file plus one summary line.
    """
    reporter = _ProblemReporter(path, problem)
    try:
        with open_regular_file(path) as handle:
            parsed = _read_whole_document(path, handle, keep)
            if parsed is None:
                handle.seek(0)
                parsed = _read_lines(path, handle, reporter, keep)
    except OSError as exc:
        parsed = SessionFile(path, read_error=exc.strerror or str(exc))
        reporter.report(f"{path}: cannot be read ({parsed.read_error})")
    reporter.finish()
    return parsed


def _read_lines(path: Path, handle: BinaryIO, reporter: _ProblemReporter,
                keep: Callable[[dict[str, Any]], dict[str, Any]]) -> SessionFile:
    parsed = SessionFile(path)
    for number, raw in enumerate(handle, start=1):
        line = raw.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        record = _loads(line)
        if record is None:
            reporter.report(f"{path}:{number}: malformed record skipped")
        elif not isinstance(record, dict):
            reporter.report(f"{path}:{number}: unexpected record skipped")
        elif isinstance(record.get("$rewindTo"), str):
            _rewind(parsed.records, record["$rewindTo"])
        elif isinstance(record.get("id"), str):
            parsed.records[record["id"]] = keep(record)
        elif isinstance(record.get("$set"), dict):
            patch = record["$set"]
            if isinstance(patch.get("messages"), list):
                parsed.records.clear()
            _apply_header(parsed, patch, keep)
        elif isinstance(record.get("sessionId"), str):
            _apply_header(parsed, record, keep)
        else:
            reporter.report(f"{path}:{number}: unknown record skipped")
    return parsed


def _read_whole_document(path: Path, handle: BinaryIO,
                         keep: Callable[[dict[str, Any]], dict[str, Any]]) -> SessionFile | None:
    """The older single-object format (`session-*.json`, often pretty-printed), or None for a JSONL log.

    Only tried when the first line is not a complete record by itself, and only for files small enough
    to be such a document; everything else is read line by line.
    """
    first = handle.readline()
    while first and not first.strip():
        first = handle.readline()
    if not first or _loads(first.decode("utf-8", errors="replace")) is not None:
        return None
    rest = handle.read(MAX_DOCUMENT_BYTES + 1 - len(first))
    if len(first) + len(rest) > MAX_DOCUMENT_BYTES:
        return None
    document = _loads((first + rest).decode("utf-8", errors="replace"))
    if not isinstance(document, dict) or "sessionId" not in document:
        return None
    parsed = SessionFile(path)
    _apply_header(parsed, document, keep)
    return parsed


def _loads(text: str) -> Any:
    """A JSON value, or None when the text is not one (too deeply nested counts as not one)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


class _ProblemReporter:
    """Counts every problem but passes on only the first few: a garbage file must not flood the log."""

    def __init__(self, path: Path, problem: Callable[[str], None]) -> None:
        self.path = path
        self.count = 0
        self._problem = problem

    def report(self, text: str) -> None:
        self.count += 1
        if self.count <= MAX_REPORTED_PROBLEMS:
            self._problem(text)

    def finish(self) -> None:
        if self.count > MAX_REPORTED_PROBLEMS:
            self._problem(f"{self.path}: {self.count - MAX_REPORTED_PROBLEMS} more problems not listed")


def conversation(parsed: SessionFile) -> list[tuple[str, str]]:
    """(role, text) of the real conversation: no preamble, no tool plumbing, no CLI notices."""
    turns: list[tuple[str, str]] = []
    for record in parsed.records.values():
        text = content_text(record.get("content"))
        if not text.strip():
            continue
        if record.get("type") == "user" and not is_preamble(text):
            turns.append(("user", text))
        elif record.get("type") == "gemini":
            turns.append(("assistant", text))
    return turns


def _apply_header(parsed: SessionFile, header: dict[str, Any],
                  keep: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    parsed.metadata.update({key: value for key, value in header.items() if key != "messages"})
    messages = header.get("messages")
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict) and isinstance(message.get("id"), str):
            parsed.records[message["id"]] = keep(message)


def _rewind(records: dict[str, dict[str, Any]], message_id: str) -> None:
    """The CLI's rewind: drop that message and everything after it (everything, if it is unknown)."""
    ids = list(records)
    cut = ids.index(message_id) if message_id in ids else 0
    for removed in ids[cut:]:
        del records[removed]
