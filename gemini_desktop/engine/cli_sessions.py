"""The CLI's own session files, as far as resuming needs them: find, back up, restore, check, rebuild.

gemini-cli 0.61 can destroy a conversation on load (see shared/gemini-cli-facts.md §5), so a resume never
trusts its file as the only copy: we copy it aside first, and can write a fresh one from our own transcript.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gemini_desktop import cli_format, paths
from gemini_desktop.engine.types import TranscriptTurn

log = logging.getLogger(__name__)


def cli_home(env: Mapping[str, str], fallback: Path) -> Path:
    """The folder holding `.gemini` for a child started with `env`."""
    for key in ("GEMINI_CLI_HOME", "HOME", "USERPROFILE"):
        if env.get(key):
            return Path(env[key])
    return fallback


def _chats_dirs(home: Path) -> list[Path]:
    return sorted((home / ".gemini" / "tmp").glob("*/chats"))


def _header_session_id(path: Path) -> str | None:
    try:
        with cli_format.open_regular_file(path) as handle:
            first = handle.readline() if path.suffix == ".jsonl" else handle.read(cli_format.MAX_DOCUMENT_BYTES)
        return json.loads(first).get("sessionId")
    except (OSError, ValueError, RecursionError, AttributeError):
        return None


def session_files(home: Path, session_id: str) -> list[Path]:
    """Every file the CLI keeps for this session (a resume leaves extra ones with the same short id)."""
    short = session_id[:8]
    return sorted(
        path
        for chats in _chats_dirs(home)
        for path in chats.glob(f"session-*-{short}.json*")
        if path.is_file() and _header_session_id(path) in (session_id, None)
    )


def conversation_turns(path: Path) -> list[TranscriptTurn]:
    """The user/assistant conversation in a CLI session file, without the preamble or tool plumbing."""
    return [TranscriptTurn(role, text) for role, text in cli_format.conversation(cli_format.read_session_file(path))]


def user_message_count(path: Path) -> int:
    return sum(1 for turn in conversation_turns(path) if turn.role == "user")


@dataclass
class FileBackup:
    """Copies of a session's files taken before a load, restorable if the CLI damages them."""

    session_id: str
    home: Path
    copies: dict[Path, Path]

    @classmethod
    def take(cls, home: Path, session_id: str, backup_root: Path) -> FileBackup:
        folder = backup_root / f"{session_id}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
        copies: dict[Path, Path] = {}
        for original in session_files(home, session_id):
            copy = paths.private_folder(folder) / original.name
            paths.private_file(copy)  # the copy is ours: owner-only, whatever mode the CLI gave the original
            shutil.copyfile(original, copy)
            status = original.stat()
            os.utime(copy, ns=(status.st_atime_ns, status.st_mtime_ns))
            copies[original] = copy
        if copies:
            log.info("backed up %d CLI file(s) of session %s to %s", len(copies), session_id, folder)
        return cls(session_id, home, copies)

    def turns(self) -> list[TranscriptTurn]:
        """The fullest conversation among the copies (a resume leaves metadata-only files beside the real one)."""
        conversations = [conversation_turns(copy) for copy in self.copies.values()]
        return max(conversations, key=len, default=[])

    @property
    def user_messages(self) -> int:
        return sum(1 for turn in self.turns() if turn.role == "user")

    def damaged(self) -> bool:
        """True when the CLI's files now hold fewer user messages than before the load."""
        now = max((user_message_count(p) for p in session_files(self.home, self.session_id)), default=0)
        return now < self.user_messages

    def restore(self) -> None:
        for current in session_files(self.home, self.session_id):
            if current not in self.copies:
                current.unlink(missing_ok=True)
        for original, copy in self.copies.items():
            original.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(copy, original)
        log.info("restored %d CLI file(s) of session %s", len(self.copies), self.session_id)


def project_chats_dir(home: Path, cwd: Path) -> Path | None:
    """The chats folder the CLI uses for `cwd`, from its projects.json (written when a child starts there)."""
    try:
        projects = json.loads((home / ".gemini" / "projects.json").read_text(encoding="utf-8")).get("projects", {})
    except (OSError, ValueError, AttributeError):
        return None
    name = projects.get(str(cwd)) or projects.get(str(cwd.resolve()))
    return home / ".gemini" / "tmp" / name / "chats" if isinstance(name, str) else None


def _project_hash(chats: Path) -> str:
    for existing in sorted(chats.glob("session-*.json*")):
        try:
            with cli_format.open_regular_file(existing) as handle:
                value = json.loads(handle.readline()).get("projectHash")
        except (OSError, ValueError, RecursionError, AttributeError):
            continue
        if isinstance(value, str):
            return value
    return ""


def write_session_file(chats: Path, turns: Sequence[TranscriptTurn], model: str | None) -> str:
    """Write a new CLI session file holding `turns`; return its new session id.

    The file name carries a time two minutes back: the CLI names the recording it starts on load after the
    current minute, and a name collision is exactly what wipes a conversation in 0.61.
    """
    session_id = str(uuid.uuid4())
    started = datetime.now(UTC) - timedelta(minutes=2)
    stamp = started.strftime("%Y-%m-%dT%H-%M")
    iso = started.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    records: list[dict] = [{"sessionId": session_id, "projectHash": _project_hash(chats), "startTime": iso,
                            "lastUpdated": iso, "kind": "main"}]
    for turn in turns:
        record: dict = {"id": uuid.uuid4().hex, "timestamp": iso}
        if turn.role == "user":
            record.update(type="user", content=[{"text": turn.text}])
        else:
            record.update(type="gemini", content=turn.text, thoughts=[], model=model or "")
        records.append(record)
    chats.mkdir(parents=True, exist_ok=True)
    path = chats / f"session-{stamp}-{session_id[:8]}.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    log.info("rebuilt conversation as CLI session %s (%d messages) in %s", session_id, len(turns), path)
    return session_id


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H-%M")


def clear_the_minute(home: Path, session_id: str, now: datetime | None = None) -> None:
    """Rename this session's files named after the current (or next) minute to an earlier, free minute.

    On load gemini-cli first starts a fresh recording, `session-<this minute>-<short id>.jsonl`, appended to with
    `messages: []`: when the stored file has that very name (a conversation suspended in the minute it began) the
    conversation is emptied and the load fails. The CLI finds a session by the id in its header, never by the name.
    """
    now = now or datetime.now(UTC)
    short = session_id[:8]
    taken = {_stamp(now + timedelta(minutes=step)) for step in (0, 1)}
    for path in session_files(home, session_id):
        if not any(path.name == f"session-{stamp}-{short}{path.suffix}" for stamp in taken):
            continue
        earlier = now - timedelta(minutes=2)
        while (target := path.with_name(f"session-{_stamp(earlier)}-{short}{path.suffix}")).exists():
            earlier -= timedelta(minutes=1)
        path.rename(target)
        log.info("renamed CLI session file %s to %s before loading it (same minute as the load)", path, target.name)


def remove_strays(home: Path, session_id: str, kept: Sequence[Path]) -> None:
    """Delete the files a load of ours left for this session beside `kept` (the ones there before it) that hold
    no conversation: gemini starts a metadata-only recording on every load and then records into the old file."""
    for path in session_files(home, session_id):
        if path not in kept and user_message_count(path) == 0:
            path.unlink(missing_ok=True)
            log.info("removed the metadata-only CLI session file %s left by a load", path)


class RebuiltSessions:
    """The ids of CLI sessions Gemini Desktop wrote itself (rebuilds), so that only those are ever deleted."""

    def __init__(self, state: Path) -> None:
        self._path = state / "rebuilt-sessions.txt"

    def _ids(self) -> set[str]:
        try:
            return set(self._path.read_text(encoding="utf-8").split())
        except OSError:
            return set()

    def _save(self, ids: set[str]) -> None:
        paths.write_private_text(self._path, "".join(f"{i}\n" for i in sorted(ids)))

    def add(self, session_id: str) -> None:
        self._save(self._ids() | {session_id})

    def retire(self, home: Path, session_id: str) -> None:
        """The conversation moved on from `session_id`: delete its files if we wrote them, else leave them."""
        ids = self._ids()
        if session_id not in ids:
            return
        for path in session_files(home, session_id):
            path.unlink(missing_ok=True)
            log.info("removed %s: a session Gemini Desktop rebuilt and no longer uses", path)
        self._save(ids - {session_id})
