"""Import of the sessions gemini-cli records itself (`~/.gemini/tmp/<project>/chats/session-*.jsonl`).

The files are an append-only log: a header, message records (a later record with the same "id" replaces the
earlier one), `{"$set": {...}}` metadata patches (a `messages` list in a patch replaces the whole list) and
`{"$rewindTo": id}` records. Older CLI versions wrote one JSON object per file instead. Nothing in them is
trusted: a bad record is skipped and logged, the rest of the file is kept.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gemini_desktop.cli_format import SessionFile, content_text, is_preamble, read_session_file
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
BATCH_MESSAGES = 100  # per transaction: a message the app writes meanwhile waits for one short batch at most
BATCH_CHARACTERS = 1024 * 1024
KEPT_FIELDS = ("id", "type", "content", "thoughts", "timestamp", "tokens", "model")

FileState = tuple[str, int, float]
"""(path, size, mtime) of a file that was read: it is not read again until one of them changes."""


def import_cli_sessions(store: HistoryStore, gemini_home: Path,
                        should_stop: Callable[[], bool] = lambda: False) -> ImportReport:
    """Import every new or changed CLI session file below `gemini_home/.gemini`; safe to run repeatedly.

    Each transaction holds at most BATCH_MESSAGES messages, so the store is never locked for long. A file
    is remembered only with the last batch of its session: an import stopped through `should_stop` (checked
    between files and between batches) or killed simply continues at the next start. A file that cannot
    be used at all is remembered too, so it is not read again until it changes.
    """
    report = ImportReport()
    root = Path(gemini_home) / ".gemini"
    folders = _project_folders(root, report)
    by_session: dict[str, list[tuple[_ChangedFile, str]]] = {}
    unusable: list[FileState] = []
    for chats in sorted((root / "tmp").glob("*/chats")):
        cwd = folders.get(chats.parent.name, "")
        for path in sorted(chats.glob("session-*.json*")):
            if should_stop():
                return _stopped(report)
            if path.suffix not in (".json", ".jsonl"):
                continue
            changed = _read_if_changed(store, path, report)
            if changed is None:
                continue
            session_id = changed.session_id
            if session_id is None:
                _problem(report, f"{path}: no session id found; file skipped until it changes")
                report.files_skipped += 1
                unusable.append(changed.state)
                continue
            by_session.setdefault(session_id, []).append((changed, cwd or folders.get(
                str(changed.metadata.get("projectHash", "")), "")))
    _remember_unusable(store, unusable, report)
    sessions = ((_combine(session_id, parts), [part.state for part, _ in parts])
                for session_id, parts in _drain(by_session))
    for batch in _batches(sessions):
        if should_stop():
            return _stopped(report)
        try:
            outcomes = store.merge_imported_sessions(batch)
        except StoreError as exc:
            _problem(report, f"{len(batch)} sessions not imported: {exc}")
            continue
        for outcome in outcomes:
            report.sessions_added += outcome.added
            report.sessions_updated += outcome.updated
            report.messages_added += outcome.messages_added
    return report


_SessionFiles = list[tuple["_ChangedFile", str]]


def _drain(by_session: dict[str, _SessionFiles]) -> Iterator[tuple[str, _SessionFiles]]:
    """Each session's files, let go of once handed out, so memory holds only what is still to be stored."""
    while by_session:
        session_id = next(iter(by_session))
        yield session_id, by_session.pop(session_id)


def _stopped(report: ImportReport) -> ImportReport:
    log.info("CLI session import stopped; it continues at the next start")
    return report


def _remember_unusable(store: HistoryStore, files: list[FileState], report: ImportReport) -> None:
    if not files:
        return
    try:
        store.remember_imported_files(files)
    except StoreError as exc:
        _problem(report, f"unusable files not remembered: {exc}")


def _batches(sessions: Iterable[tuple[ImportedSession, list[FileState]]]
             ) -> Iterator[list[tuple[ImportedSession, list[FileState]]]]:
    """Small transactions: sessions split into pieces of at most BATCH_MESSAGES messages (and about
    BATCH_CHARACTERS of text), small pieces of different sessions packed together."""
    batch: list[tuple[ImportedSession, list[FileState]]] = []
    size = 0
    for session, files in sessions:
        for piece in _pieces(session, files):
            if batch and size + len(piece[0].messages) > BATCH_MESSAGES:
                yield batch
                batch, size = [], 0
            batch.append(piece)
            size += len(piece[0].messages)
    if batch:
        yield batch


def _pieces(session: ImportedSession, files: list[FileState]
            ) -> Iterator[tuple[ImportedSession, list[FileState]]]:
    """The session in consecutive pieces; the first holds its first user message (a session is created only
    from a piece with one) and only the last names the files, so they count as read once all is stored."""
    messages = session.messages
    first_user = next((index for index, message in enumerate(messages) if message.role == "user"), 0)
    start = 0
    while True:
        end, characters = start, 0
        while end < len(messages) and (end <= first_user or (
                end - start < BATCH_MESSAGES and characters < BATCH_CHARACTERS)):
            characters += len(messages[end].text) + len(messages[end].thoughts)
            end += 1
        last = end >= len(messages)
        yield dataclasses.replace(session, messages=messages[start:end]), files if last else []
        if last:
            return
        start = end


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
    def state(self) -> FileState:
        return str(self.parsed.path), self.size, self.mtime

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
    """The file, parsed, unless it is known in this very state, is not a regular file, or cannot be read
    now (those two are not remembered: they may be fixed without the file changing)."""
    try:
        status = path.stat()
        if not stat.S_ISREG(status.st_mode):
            _problem(report, f"{path}: not a regular file; skipped")
            report.files_skipped += 1
            return None
        if store.imported_file_state(str(path)) == (status.st_size, status.st_mtime):
            report.files_skipped += 1
            return None
    except (OSError, StoreError) as exc:
        _problem(report, f"{path}: cannot be read ({exc})")
        report.files_skipped += 1
        return None
    parsed = read_session_file(path, lambda text: _problem(report, text), _slim_record)
    if parsed.read_error is not None:
        report.files_skipped += 1
        return None
    return _ChangedFile(parsed, status.st_size, status.st_mtime)


def _slim_record(record: dict[str, Any]) -> dict[str, Any]:
    """Only what an import stores: a tool's full output (often most of a file) is dropped while reading."""
    slim = {key: record[key] for key in KEPT_FIELDS if key in record}
    if "content" in slim:
        slim["content"] = content_text(slim["content"])  # the text alone, joined once
    calls = record.get("toolCalls")
    if isinstance(calls, list):
        slim["toolCalls"] = [_slim_tool_call(call) for call in calls if isinstance(call, dict)]
    return slim


def _slim_tool_call(call: dict[str, Any]) -> dict[str, Any]:
    slim = {key: call[key] for key in ("id", "displayName", "name", "status") if key in call}
    arguments = call.get("args")
    if isinstance(arguments, dict):
        slim["args"] = {key: arguments[key] for key in PATH_ARGUMENTS if key in arguments}
    display = call.get("resultDisplay")
    if isinstance(display, dict) and "fileDiff" in display:
        slim["resultDisplay"] = {"fileDiff": display["fileDiff"]}
    return slim


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
    """Seconds since the epoch, or `fallback` for a time that is not one or that could not be shown again
    (a year 1 or 9999 at the edge of a time zone would break every later listing of the history)."""
    if isinstance(value, str):
        try:
            seconds = datetime.fromisoformat(value).timestamp()
            datetime.fromtimestamp(seconds, UTC)
            return seconds
        except (ValueError, OverflowError, OSError):
            pass
    return fallback
