"""Import of the sessions gemini-cli records itself (`~/.gemini/tmp/<project>/chats/session-*.jsonl`).

The files are an append-only log: a header, message records (a later record with the same "id" replaces the
earlier one), `{"$set": {...}}` metadata patches (a `messages` list in a patch replaces the whole list) and
`{"$rewindTo": id}` records. Older CLI versions wrote one JSON object per file instead. Nothing in them is
trusted: a bad record is skipped and logged, the rest of the file is kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gemini_desktop.cli_format import SessionFile, content_text, is_preamble, parse_session_text
from gemini_desktop.store.history import HistoryStore
from gemini_desktop.store.records import (
    ImportedMessage,
    ImportedSession,
    ImportedToolCall,
    ImportReport,
    StoreError,
)

log = logging.getLogger(__name__)

PATH_ARGUMENTS = ("file_path", "absolute_path", "path", "dir_path")
BATCH_SIZE = 200


def import_cli_sessions(store: HistoryStore, gemini_home: Path) -> ImportReport:
    """Import every new or changed CLI session file below `gemini_home/.gemini`; safe to run repeatedly."""
    report = ImportReport()
    root = Path(gemini_home) / ".gemini"
    folders = _project_folders(root, report)
    by_session: dict[str, list[tuple[_ChangedFile, str]]] = {}
    for chats in sorted((root / "tmp").glob("*/chats")):
        cwd = folders.get(chats.parent.name, "")
        for path in sorted(chats.glob("session-*.json*")):
            if path.suffix not in (".json", ".jsonl"):
                continue
            parsed = _read_if_changed(store, path, report)
            if parsed is None:
                continue
            session_id = parsed.session_id
            if session_id is None:
                _problem(report, f"{path}: no session id found; file skipped")
                report.files_skipped += 1
                continue
            by_session.setdefault(session_id, []).append((parsed, cwd or folders.get(
                str(parsed.metadata.get("projectHash", "")), "")))
    batch = [(_combine(session_id, parts), [(str(part.path), part.size, part.mtime) for part, _ in parts])
             for session_id, parts in by_session.items()]
    for start in range(0, len(batch), BATCH_SIZE):
        chunk = batch[start:start + BATCH_SIZE]
        try:
            outcomes = store.merge_imported_sessions(chunk)
        except StoreError as exc:
            _problem(report, f"{len(chunk)} sessions not imported: {exc}")
            continue
        for outcome in outcomes:
            report.sessions_added += outcome.added
            report.sessions_updated += outcome.updated
            report.messages_added += outcome.messages_added
    return report


def _problem(report: ImportReport, text: str) -> None:
    log.warning("CLI session import: %s", text)
    report.errors.append(text)


def _project_folders(root: Path, report: ImportReport) -> dict[str, str]:
    """Directory name (and, for older CLIs, the SHA-256 project hash) -> absolute project folder."""
    path = root / "projects.json"
    if not path.exists():
        return {}
    try:
        projects = json.loads(path.read_text(encoding="utf-8")).get("projects", {})
    except (OSError, ValueError, AttributeError) as exc:
        _problem(report, f"{path}: unreadable ({exc}); working folders unknown")
        return {}
    folders: dict[str, str] = {}
    if not isinstance(projects, dict):
        return folders
    for folder, name in projects.items():
        if isinstance(folder, str) and isinstance(name, str):
            folders[name] = folder
            folders[hashlib.sha256(folder.encode()).hexdigest()] = folder
    return folders


@dataclass(frozen=True)
class _ChangedFile:
    parsed: SessionFile
    size: int
    mtime: float

    @property
    def path(self) -> Path:
        return self.parsed.path

    @property
    def metadata(self) -> dict[str, Any]:
        return self.parsed.metadata

    @property
    def records(self) -> dict[str, dict[str, Any]]:
        return self.parsed.records

    @property
    def session_id(self) -> str | None:
        return self.parsed.session_id


def _read_if_changed(store: HistoryStore, path: Path, report: ImportReport) -> _ChangedFile | None:
    try:
        stat = path.stat()
        if store.imported_file_state(str(path)) == (stat.st_size, stat.st_mtime):
            report.files_skipped += 1
            return None
        text = path.read_bytes().decode("utf-8", errors="replace")
    except (OSError, StoreError) as exc:
        _problem(report, f"{path}: cannot be read ({exc})")
        report.files_skipped += 1
        return None
    return _ChangedFile(parse_session_text(path, text, lambda text: _problem(report, text)), stat.st_size,
                        stat.st_mtime)


def _combine(session_id: str, parts: list[tuple[_ChangedFile, str]]) -> ImportedSession:
    """Merge the files of one session (the CLI adds one per resume), oldest first, messages by id."""
    parts = sorted(parts, key=lambda item: (str(item[0].metadata.get("startTime", "")), item[0].mtime))
    records: dict[str, dict[str, Any]] = {}
    cwd = ""
    for part, folder in parts:
        records.update(part.records)
        cwd = cwd or folder
    first = parts[0][0]
    fallback = min(part.mtime for part, _ in parts)
    messages = tuple(
        message for message in (_message(record, fallback) for record in records.values()) if message
    )
    models = [record["model"] for record in records.values() if isinstance(record.get("model"), str)]
    created = _timestamp(first.metadata.get("startTime"), messages[0].created if messages else fallback)
    updated = max([created, *(m.created for m in messages),
                   *(_timestamp(part.metadata.get("lastUpdated"), created) for part, _ in parts)])
    return ImportedSession(gemini_session_id=session_id, cwd=cwd, model=models[-1] if models else None,
                           created=created, updated=updated, messages=messages)


def _message(record: dict[str, Any], fallback_time: float) -> ImportedMessage | None:
    """A conversation message, or None for CLI notices, the context preamble and empty records."""
    text = content_text(record.get("content"))
    thoughts = _thoughts_text(record.get("thoughts"))
    calls = _tool_calls(record.get("toolCalls"))
    if record.get("type") == "user":
        if not text.strip() or is_preamble(text):
            return None
        role = "user"
    elif record.get("type") == "gemini":
        if not (text.strip() or thoughts or calls):
            return None
        role = "assistant"
    else:
        return None
    tokens = record.get("tokens") if isinstance(record.get("tokens"), dict) else {}
    return ImportedMessage(
        external_id=record["id"], role=role, text=text, thoughts=thoughts,
        created=_timestamp(record.get("timestamp"), fallback_time),
        input_tokens=_integer(tokens.get("input")), output_tokens=_integer(tokens.get("output")),
        tool_calls=calls,
    )


def _thoughts_text(thoughts: Any) -> str:
    if isinstance(thoughts, str):
        return thoughts
    if not isinstance(thoughts, list):
        return ""
    pieces = []
    for thought in thoughts:
        if isinstance(thought, dict):
            subject, description = thought.get("subject"), thought.get("description")
            text = "\n".join(value for value in (subject, description) if isinstance(value, str) and value)
        else:
            text = str(thought) if isinstance(thought, str) else ""
        if text:
            pieces.append(text)
    return "\n\n".join(pieces)


def _tool_calls(calls: Any) -> tuple[ImportedToolCall, ...]:
    if not isinstance(calls, list):
        return ()
    found = []
    for call in calls:
        if not isinstance(call, dict) or not isinstance(call.get("id"), str):
            continue
        arguments = call.get("args") if isinstance(call.get("args"), dict) else {}
        display = call.get("resultDisplay")
        diff = display.get("fileDiff") if isinstance(display, dict) else None
        found.append(ImportedToolCall(
            tool_call_id=call["id"],
            title=_string(call.get("displayName")) or _string(call.get("name")),
            kind=_string(call.get("name")),
            status=_string(call.get("status")),
            paths=tuple(arguments[key] for key in PATH_ARGUMENTS if isinstance(arguments.get(key), str)),
            diff=diff if isinstance(diff, str) else "",
        ))
    return tuple(found)


def _string(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _integer(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _timestamp(value: Any, fallback: float) -> float:
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).timestamp()
        except ValueError:
            pass
    return fallback
