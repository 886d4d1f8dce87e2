"""gemini-cli's session file format (`~/.gemini/tmp/<project>/chats/session-*.jsonl`), read-only and Qt-free.

Shared by the engine (which checks and rebuilds a conversation around a resume) and the store (which imports
the CLI's history), so both read the files the same way the CLI does: an append-only log of a header,
message records (a later record with the same "id" replaces the earlier one), `{"$set": {...}}` patches (a
`messages` list in a patch replaces the whole list) and `{"$rewindTo": id}` records. Older CLIs wrote one
JSON object per file. Nothing in them is trusted: a bad record is skipped and reported, the rest is kept.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PREAMBLES = ("<session_context>", "<hook_context>")


@dataclass
class SessionFile:
    """What one file says about a session, in file order."""

    path: Path
    metadata: dict[str, Any] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

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


def parse_session_text(path: Path, text: str, problem: Callable[[str], None] = lambda _: None) -> SessionFile:
    parsed = SessionFile(path)
    whole = _whole_document(text)
    if whole is not None:
        _apply_header(parsed, whole)
        return parsed
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            problem(f"{path}:{number}: malformed record skipped")
            continue
        if not isinstance(record, dict):
            problem(f"{path}:{number}: unexpected record skipped")
        elif isinstance(record.get("$rewindTo"), str):
            _rewind(parsed.records, record["$rewindTo"])
        elif isinstance(record.get("id"), str):
            parsed.records[record["id"]] = record
        elif isinstance(record.get("$set"), dict):
            patch = record["$set"]
            if isinstance(patch.get("messages"), list):
                parsed.records.clear()
            _apply_header(parsed, patch)
        elif isinstance(record.get("sessionId"), str):
            _apply_header(parsed, record)
        else:
            problem(f"{path}:{number}: unknown record skipped")
    return parsed


def read_session_file(path: Path, problem: Callable[[str], None] = lambda _: None) -> SessionFile:
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        problem(f"{path}: cannot be read ({exc})")
        return SessionFile(path)
    return parse_session_text(path, text, problem)


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


def _whole_document(text: str) -> dict[str, Any] | None:
    """The older single-object format (`session-*.json`), or None for a JSONL log."""
    try:
        document = json.loads(text)
    except ValueError:
        return None
    return document if isinstance(document, dict) and "sessionId" in document else None


def _apply_header(parsed: SessionFile, header: dict[str, Any]) -> None:
    parsed.metadata.update({key: value for key, value in header.items() if key != "messages"})
    for message in header.get("messages") or []:
        if isinstance(message, dict) and isinstance(message.get("id"), str):
            parsed.records[message["id"]] = message


def _rewind(records: dict[str, dict[str, Any]], message_id: str) -> None:
    """The CLI's rewind: drop that message and everything after it (everything, if it is unknown)."""
    ids = list(records)
    cut = ids.index(message_id) if message_id in ids else 0
    for removed in ids[cut:]:
        del records[removed]
