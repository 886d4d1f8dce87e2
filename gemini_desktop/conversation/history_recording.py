"""Every history write of a conversation, in order, through one background writer.

Why: the window never waits on the disk or on another program's lock, and a busy database or a full disk delays a
write (kept in memory) but never drops it. The user's message is queued for the store before it is sent, and
streamed answers are checkpointed once a second (only the text that is new since the last checkpoint), so a crash
loses at most a second of text. A mixin of ConversationController (it uses its store, writer, model and turns).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication

from gemini_desktop.conversation.attachments import attachment_records
from gemini_desktop.conversation.model import ConversationModel, paths_and_diffs
from gemini_desktop.conversation.turns import Turn
from gemini_desktop.engine.attachments import Message
from gemini_desktop.engine.events import PlanUpdate, ToolCall
from gemini_desktop.store import HistoryStore, HistoryWriter, RowRef, StoreError, WriterState

log = logging.getLogger(__name__)

T = TypeVar("T")


def diff_text(call: ToolCall) -> str:
    """A compact, unified-looking record of a tool's file edits for the store."""
    return "\n".join(paths_and_diffs(call))



class HistoryRecording:
    """The store side of the controller: reads that may fail, writes of messages, plans, tool calls and checkpoints."""

    _store: HistoryStore
    _writes: HistoryWriter
    _store_session: RowRef | None
    _current: Turn | None
    model: ConversationModel

    def _store_call(self, operation: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        """Read the history; when the database fails the chat goes on, and the user is told once."""
        try:
            return operation(*args, **kwargs)
        except StoreError as failure:
            log.error("history %s failed: %s", getattr(operation, "__name__", operation), failure)
            self._on_store_failure(failure)
            return None

    def _on_store_failure(self, failure: StoreError) -> None:
        if not self._store_failed:
            self._store_failed = True
            self.model.add_notice(QCoreApplication.translate(  # the controller's context: its strings are kept
                "ConversationController", "This conversation cannot be saved to the history: {error}").format(
                error=failure), kind="error")

    def _run_writer_callback(self, callback: Callable[[], None]) -> None:
        callback()

    def _on_writer_state(self, state: WriterState) -> None:
        """A full disk is told once (not at every retry); so is the moment the history is saved again."""
        if state == WriterState.FULL and not self._told_disk_full:
            self._told_disk_full = True
            self.model.add_notice(QCoreApplication.translate(
                "ConversationController", "History cannot be saved: disk full. The conversation is kept in memory "
                "and will be saved once there is space again."), kind="error")
        elif state == WriterState.SAVING and self._told_disk_full:
            self._told_disk_full = False
            self.model.add_notice(QCoreApplication.translate("ConversationController", "The history is saved again."))

    def wait_until_saved(self, timeout: float) -> bool:
        """Block until every history write queued so far is committed (False after `timeout` seconds);
        for tools and tests that read the store directly. The controller itself waits off the UI thread."""
        return self._writes.wait_idle(timeout)

    def _save_held(self, turn: Turn) -> None:
        """A queued message reaches the history as it was finally sent (or when it ends unsent)."""
        if turn.held and turn.message is not None and self._store_session is not None:
            self._write_user_message(self._store_session, turn.message)
        turn.held = False

    def _write_user_message(self, session: RowRef, message: Message) -> None:
        """The attachments are recorded inside the writer job: hashing a file or storing an image never runs
        on the UI thread, and the message and its attachments are committed together."""
        text, attachments, blobs = message.text, message.attachments, self._store.blobs
        self._writes.submit(lambda store: store.add_message(
            session.require(), "user", text,
            attachments=attachment_records(attachments, blobs) if attachments else ()))

    def _on_session_saved(self, session: RowRef, session_id: int) -> None:
        if session is self._store_session:
            self.session_changed.emit(session_id)

    def remember_model(self, model_id: str) -> None:
        """The model the user chose, in this conversation's history record."""
        if self._store_session is not None:
            session = self._store_session
            self._writes.submit(lambda store: store.set_model(session.require(), model_id))

    def _save_plan(self, plan: PlanUpdate) -> None:
        """The latest plan goes to the history, so a resumed conversation shows it again."""
        if self._store_session is not None:
            session, items = self._store_session, [(e.content, e.status, e.priority) for e in plan.entries]
            self._writes.submit(lambda store: store.save_plan(session.require(), items))

    def _checkpoint(self) -> None:
        turn = self._current
        if turn is None or turn.assistant_row is None:
            return
        text, thoughts = turn.take_unsaved()
        if text or thoughts:
            answer = turn.assistant_row
            self._writes.submit(lambda store: store.append_to_message(answer.require(), text, thoughts))

    def _on_turn_saved(self, session: RowRef) -> None:
        if session.value is not None:
            self.history_changed.emit(session.value)

    def _record_decision(self, tool_call_id: str, answer: str | None) -> None:
        self._decisions[tool_call_id] = answer or "rejected"
        entry = self.model.tool_call(tool_call_id)
        if entry is not None:
            self._tool_calls[tool_call_id] = entry.call
            self._record_tool_call(entry.call)

    def _record_tool_call(self, call: ToolCall) -> None:
        if self._store_session is None:
            return
        session = self._store_session
        answer = self._current.assistant_row if self._current is not None else None
        decision, diff = self._decisions.get(call.tool_call_id), diff_text(call)
        self._writes.submit(lambda store: store.record_tool_call(
            session.require(), answer.value if answer is not None else None, call.tool_call_id, call.title,
            call.kind, str(call.status), list(call.paths), diff, decision=decision))
