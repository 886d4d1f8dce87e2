"""gemini's file edits as the conversations see them: the history's journal, plus a signal per edit so the
conversation that made it can offer "Undo changes" on that turn and tool call (undone by `turn_undo`).

The engine calls `record` on a worker thread before it writes the file; the signal reaches the controllers on
the UI thread (a queued connection), before gemini hears that the write is done, so an edit is always known
before the turn that made it ends.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from gemini_desktop.conversation.model import ConversationModel
from gemini_desktop.store import FileEditLog

log = logging.getLogger(__name__)
MAX_LISTED_FILES = 10  # a notice names this many files, then says how many more


class EditJournal(QObject):
    """The engine's `FileEditJournal` for every conversation of the app (one history, one blob store)."""

    edited = Signal(str, str)  # gemini's session id, the tool call id ("" when gemini named no running call)

    def __init__(self, log: FileEditLog, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._log = log

    def record(self, session_id: str, tool_call_id: str, path: Path, before: bytes | None, after: bytes) -> None:
        """Raises (refusing the write) when the before-image cannot be kept: nothing is written unjournaled."""
        self._log.record(session_id, tool_call_id, path, before, after)
        self.edited.emit(session_id, tool_call_id)

    @property
    def log(self) -> FileEditLog:
        """The journal itself (blocking file work: call it off the UI thread)."""
        return self._log


def listed(paths: Sequence[Path | str]) -> str:
    shown = ", ".join(str(path) for path in paths[:MAX_LISTED_FILES])
    if len(paths) > MAX_LISTED_FILES:
        shown += QCoreApplication.translate("ConversationEdits", " and {count} more").format(
            count=len(paths) - MAX_LISTED_FILES)
    return shown


class ConversationEdits(QObject):
    """One conversation's file edits: which tool calls (and so which turns) changed files, and their undo.

    `session_id` gives gemini's current session id, `answer_key` the model key of the answer streaming now."""

    def __init__(self, journal: EditJournal, model: ConversationModel, session_id: Callable[[], str | None],
                 answer_key: Callable[[], int | None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.journal = journal
        self._model = model
        self._session_id = session_id
        self._answer_key = answer_key
        self._sessions: dict[str, str] = {}  # tool call id -> the gemini session it ran in (a restart may rebuild)
        journal.edited.connect(self._on_edited)

    @Slot(str, str)
    def _on_edited(self, session_id: str, tool_call_id: str) -> None:
        if not tool_call_id or session_id != self._session_id():
            return  # another conversation's edit, or one gemini named no tool call for (kept, not offered)
        self._sessions[tool_call_id] = session_id
        self._model.mark_edited(tool_call_id, self._answer_key())

    def session_of(self, tool_call_ids: Sequence[str]) -> str | None:
        """The one gemini session these calls' edits were journaled under (None: unknown, or several)."""
        sessions = {self._sessions[tool] for tool in tool_call_ids if tool in self._sessions}
        return sessions.pop() if len(sessions) == 1 else None
