"""The agent's file reads and writes, served by us (ACP `fs/read_text_file` and `fs/write_text_file`).

When the client offers them, gemini routes its file edits inside the working folder through us instead of
writing itself. So every edit's previous content (or its absence) reaches a journal before the file changes:
that is what lets a turn's changes be undone, whatever agent made them. Qt-free and SDK-free.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from gemini_desktop.engine.events import ToolCall, ToolStatus
from gemini_desktop.engine.types import EngineError
from gemini_desktop.paths import replace_file_contents

log = logging.getLogger(__name__)

REMEMBERED_TOOL_CALLS = 256  # enough to find the owner of any write of the running turn
OPEN_STATUSES = (ToolStatus.PENDING, ToolStatus.RUNNING)


class FileEditJournal(Protocol):
    """Keeps the before- and after-image of every file edit, durably, before the file is written.

    `before` is None when the file did not exist. Raising refuses the write: an edit that could not be
    recorded could not be undone either. Called on a worker thread.
    """

    def record(self, session_id: str, tool_call_id: str, path: Path, before: bytes | None,
               after: bytes) -> None: ...


class FileRefused(EngineError):
    """A read or write the agent asked for and did not get; the message goes back to the agent."""


@dataclass(frozen=True)
class PlannedWrite:
    """A write that passed the folder check on the loop thread, ready to be done on a worker thread."""

    path: Path
    tool_call_id: str


def _resolved(path: str) -> Path:
    candidate = Path(path)
    if not candidate.is_absolute():
        raise FileRefused(f"Refused {path!r}: the path must be absolute.")
    return candidate.resolve()  # symbolic links followed, so a link inside the folder cannot lead out of it


def _mentions(call: ToolCall, path: Path) -> bool:
    named = (*call.paths, *(diff.path for diff in call.diffs))
    return any(_same(name, path) for name in named)


def _same(name: str, path: Path) -> bool:
    try:
        return Path(name).resolve() == path
    except (OSError, ValueError):
        return False


class FileAccess:
    """One per client: the folder rule, which tool call a write belongs to, and the disk work itself.

    `observe` and `allow` run on the loop thread as tool calls come and are approved; `plan_write` too, so
    the bookkeeping is never shared across threads. `read` and `write` touch only the disk and the journal.
    """

    def __init__(self, root: Callable[[], Path], journal: FileEditJournal | None) -> None:
        self._root = root
        self.journal = journal
        self._calls: OrderedDict[str, ToolCall] = OrderedDict()
        self._allowed_outside: dict[str, frozenset[Path]] = {}

    def observe(self, call: ToolCall) -> None:
        self._calls[call.tool_call_id] = call
        self._calls.move_to_end(call.tool_call_id)
        while len(self._calls) > REMEMBERED_TOOL_CALLS:
            forgotten, _ = self._calls.popitem(last=False)
            self._allowed_outside.pop(forgotten, None)

    def allow(self, call: ToolCall) -> None:
        """The user allowed this tool call: the paths it named may be used even outside the working folder."""
        self.observe(call)
        named = {Path(name).resolve() for name in (*call.paths, *(diff.path for diff in call.diffs))
                 if Path(name).is_absolute()}
        self._allowed_outside[call.tool_call_id] = frozenset(named)

    def forget(self) -> None:
        self._calls.clear()
        self._allowed_outside.clear()

    def check(self, path: str) -> Path:
        """The resolved path, if it is inside the working folder or allowed for a tool call; else FileRefused."""
        resolved = _resolved(path)
        root = self._root().resolve()
        if resolved.is_relative_to(root):
            return resolved
        if any(resolved in allowed and self._is_open(call_id) for call_id, allowed in self._allowed_outside.items()):
            return resolved
        raise FileRefused(f"Refused {path}: it is outside the working folder {root} and the user did not "
                          "allow that path.")

    def _is_open(self, tool_call_id: str) -> bool:
        call = self._calls.get(tool_call_id)
        return call is not None and call.status in OPEN_STATUSES

    def plan_write(self, path: str) -> PlannedWrite:
        resolved = self.check(path)
        return PlannedWrite(resolved, self._owner_of(resolved))

    def _owner_of(self, path: Path) -> str:
        """The tool call doing this write: the newest unfinished one naming the path, else the newest unfinished
        one (a write carries no tool call id in ACP), else "" (the journal still keeps the edit)."""
        unfinished = [call for call in reversed(self._calls.values()) if call.status in OPEN_STATUSES]
        for call in unfinished:
            if _mentions(call, path):
                return call.tool_call_id
        return unfinished[0].tool_call_id if unfinished else ""

    @staticmethod
    def read(path: Path, line: int | None = None, limit: int | None = None) -> str:
        """The file as text from `line` (1-based) for `limit` lines. A missing file reads as "": gemini's
        write_file reads first, and an error there would keep it from creating the file."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return ""
        except OSError as exc:
            raise FileRefused(f"Cannot read {path}: {exc.strerror or exc}") from None
        text = data.decode("utf-8", errors="replace")
        if line is None and limit is None:
            return text
        lines = text.splitlines(keepends=True)
        start = max((line or 1) - 1, 0)
        end = None if limit is None else start + limit
        return "".join(lines[start:end])

    def write(self, session_id: str, planned: PlannedWrite, content: str) -> None:
        """Journal first (before-image or its absence, and the new content), then replace the file atomically."""
        path, after = planned.path, content.encode("utf-8")
        try:
            before: bytes | None = path.read_bytes()
        except FileNotFoundError:
            before = None
        except OSError as exc:
            raise FileRefused(f"Cannot write {path}: {exc.strerror or exc}") from None
        if self.journal is not None:
            try:
                self.journal.record(session_id, planned.tool_call_id, path, before, after)
            except Exception as exc:
                log.exception("the edit of %s could not be recorded; the file is left as it was", path)
                raise FileRefused(f"Cannot write {path}: its previous content could not be saved for undo "
                                  f"({exc}).") from None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            replace_file_contents(path, after)
        except OSError as exc:
            raise FileRefused(f"Cannot write {path}: {exc.strerror or exc}") from None
