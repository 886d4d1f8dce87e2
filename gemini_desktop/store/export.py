"""A stored conversation written out for the user: Markdown to read, JSON for other programs."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from gemini_desktop.store.records import AttachmentRecord, MessageRecord, SessionRecord, ToolCallRecord
from gemini_desktop.untrusted_text import inline_markdown, markdown_message


def conversation_markdown(session: SessionRecord, messages: Sequence[MessageRecord],
                          tool_calls: Sequence[ToolCallRecord]) -> str:
    """The conversation as Markdown in which only the export itself writes structure: every message is a
    fenced block no line of it can close, and header fields are escaped, so an answer cannot forge a turn,
    a header line or HTML; invisible and bidi characters are written out as <U+XXXX>."""
    tools_by_message: dict[int | None, list[ToolCallRecord]] = {}
    for call in tool_calls:
        tools_by_message.setdefault(call.message_id, []).append(call)
    lines = [f"# {inline_markdown(session.title or 'Conversation')}", ""]
    lines += [f"- Folder: {inline_markdown(session.cwd or 'unknown')}",
              f"- Model: {inline_markdown(session.model or 'unknown')}",
              f"- Started: {session.created.isoformat(timespec='seconds')}",
              f"- Last activity: {session.updated.isoformat(timespec='seconds')}"]
    if session.gemini_session_id:
        lines.append(f"- Gemini session: {inline_markdown(session.gemini_session_id)}")
    for message in messages:
        tools = [(f"{call.title or call.kind} — {call.status}", call.diff)
                 for call in tools_by_message.get(message.id, [])]
        lines += markdown_message("You" if message.role == "user" else "Gemini", message.state, message.text,
                                  message.thoughts, tools,
                                  _attachment_lines(message.attachments))
    return "\n".join(lines).rstrip() + "\n"


def conversation_json(session: SessionRecord, messages: Sequence[MessageRecord],
                      tool_calls: Sequence[ToolCallRecord]) -> str:
    document = {
        "format": "gemini-desktop-session",
        "version": 1,
        "session": _plain(session),
        "messages": [_plain(message) for message in messages],
        "tool_calls": [_plain(call) | {"paths": list(call.paths)} for call in tool_calls],
    }
    return json.dumps(document, ensure_ascii=False, indent=2)


def _plain(record: Any) -> dict[str, Any]:
    def value_of(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.isoformat()
        if isinstance(value, tuple) and all(isinstance(item, AttachmentRecord) for item in value):
            return [dataclasses.asdict(item) for item in value]
        return value

    return {key: value_of(value) for key, value in record.__dict__.items()}


def _attachment_lines(attachments: Sequence[AttachmentRecord]) -> str:
    """One line per attachment; names and paths are quoted as JSON strings, so a line break or a control character
    in a file name cannot start a line of its own."""
    lines = []
    for attachment in attachments:
        where = json.dumps(attachment.path or attachment.name, ensure_ascii=False)
        details = [attachment.mime_type, f"{attachment.size} bytes" if attachment.kind != "folder" else "",
                   f"sha256 {attachment.sha256}" if attachment.sha256 else ""]
        lines.append(f"{attachment.kind} {where} " + ", ".join(detail for detail in details if detail))
    return "\n".join(line.rstrip() for line in lines)
