"""The one owner of a conversation's engine client: it feeds the conversation model and writes the history.

It owns no widgets and is the only subscriber to its client: views show the model and report the user's
permission decisions back through `decide`, which resolves the futures this controller holds.
Every history write goes, in order, through one background writer: the window never waits on the disk or on
another program's lock, and a busy database or a full disk delays a write (kept in memory) but never drops it.
The user's message is queued for the store before it is sent, and streamed answers are checkpointed once a
second (only the text that is new since the last checkpoint), so a crash loses at most a second of text.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from gemini_desktop.conversation.agent_offer import follow_capabilities, follow_offer
from gemini_desktop.conversation.attachments import (
    attachment_records,
    shown_attachments,
    stored_messages,
    stored_turns,
)
from gemini_desktop.conversation.file_edits import ConversationEdits, EditJournal
from gemini_desktop.conversation.model import ConversationModel, UserMessage, paths_and_diffs
from gemini_desktop.conversation.permissions import PermissionDesk
from gemini_desktop.conversation.turn_undo import stored_turn_edits
from gemini_desktop.conversation.turns import Turn, TurnEnd
from gemini_desktop.engine.attachments import Message
from gemini_desktop.engine.diagnosis import diagnose
from gemini_desktop.engine.events import (
    CommandsUpdate,
    MessageChunk,
    PermissionRequest,
    PlanEntry,
    PlanUpdate,
    ThoughtChunk,
    ToolCall,
)
from gemini_desktop.engine.sign_in import SignIn, SignInMethod
from gemini_desktop.engine.types import (
    AuthRequired,
    ChatResult,
    EngineError,
    ResumeMethod,
    ResumeOutcome,
    SessionState,
    TranscriptTurn,
    Usage,
)
from gemini_desktop.store import HistoryStore, HistoryWriter, RowRef, StoreError, WriterState

if TYPE_CHECKING:
    from gemini_desktop.engine.client import GeminiSessionClient

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL_MS = 1000
SAVE_BEFORE_RESUME_S = 2.0  # the stored transcript handed to gemini should include the last turn
SAVE_ON_QUIT_S = 2.0  # quitting must stay quick even when the disk is full
T = TypeVar("T")


def resume_notice(method: str) -> str:
    notices = {
        ResumeMethod.LOADED: QCoreApplication.translate("ConversationController", "Resumed: loaded by gemini"),
        ResumeMethod.REBUILT: QCoreApplication.translate("ConversationController", "Resumed: rebuilt from our copy"),
        ResumeMethod.SEEDED: QCoreApplication.translate(
            "ConversationController", "Resumed: seeded (gemini got the earlier conversation as context)"),
    }
    return notices.get(method, "")  # type: ignore[call-overload]


def diff_text(call: ToolCall) -> str:
    """A compact, unified-looking record of a tool's file edits for the store."""
    return "\n".join(paths_and_diffs(call))


class ConversationController(QObject):
    commands_changed = Signal(object)  # tuple[SlashCommand, ...]
    answer_finished = Signal(str)  # the finished answer (for a desktop notification)
    usage_changed = Signal(object, object)  # Usage of the last turn, Usage of the session
    session_changed = Signal(int)  # the store session id shown (0 before the first message)
    history_changed = Signal(int)  # a turn of this store session was written (titles and counts changed)
    error = Signal(str)  # a failure of a user action, for the status bar
    turn_began = Signal(int, int)  # the user message's key, the key of its answer in the model
    turn_ended = Signal(int, object)  # the user message's key, TurnEnd
    # The client's own news, passed on so that views never subscribe to the client (this is its one subscriber):
    state_changed = Signal(str)  # SessionState
    queue_changed = Signal(int)  # messages waiting for their turn
    stalled = Signal(float)  # seconds without a word from gemini during a turn
    crashed = Signal(str, str)  # reason, the tail of gemini's stderr
    auth_required = Signal(object)  # AuthRequired
    held_message = Signal(str)  # a message a refused sign-in kept from gemini, to send again once signed in
    session_started = Signal(object)  # ResumeOutcome, once this controller has recorded it
    choices_changed = Signal(object)  # ModelUpdate, ModeUpdate or UsageReport: what the agent offers, or its usage
    _from_writer = Signal(object)  # a callback of the history writer, run on this object's (the UI) thread

    def __init__(self, client: GeminiSessionClient, store: HistoryStore, model: ConversationModel | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._client = client
        self._store = store
        self.model = model if model is not None else ConversationModel()
        self._store_session: RowRef | None = None
        self._gemini_session_id: str | None = client.session_id  # a warm spare's child has its session already
        self._waiting: list[Turn] = []  # sent or queued, not started yet (the engine runs them FIFO)
        self._current: Turn | None = None
        self._last_sent: Message | None = None
        self._tool_calls: dict[str, ToolCall] = {}
        self._decisions: dict[str, str] = {}
        self.permissions = PermissionDesk(self.model, self._record_decision)
        journal = client.config.file_journal
        self.edits = ConversationEdits(  # None when gemini's edits are not journaled: nothing to undo
            journal, self.model, lambda: self._client.session_id, self._streaming_answer, self,
        ) if isinstance(journal, EditJournal) else None
        self._store_failed = False
        self._told_disk_full = False
        self._from_writer.connect(self._run_writer_callback)
        self._writes = HistoryWriter(store, self._from_writer.emit, on_state=self._on_writer_state,
                                     on_failure=self._on_store_failure)
        self._checkpoint_timer = QTimer(self)
        self._checkpoint_timer.setInterval(CHECKPOINT_INTERVAL_MS)
        self._checkpoint_timer.timeout.connect(self._checkpoint)
        client.permission_handler = self._ask_permission
        client.event.connect(self._on_event)
        client.turn_started.connect(self._on_turn_started)
        client.turn_finished.connect(self._on_turn_finished)
        client.turn_failed.connect(self._on_turn_failed)
        client.session_started.connect(self._on_session_started)
        client.state_changed.connect(self.state_changed)
        client.queue_changed.connect(self.queue_changed)
        client.stalled.connect(self.stalled)
        client.crashed.connect(self.crashed)
        client.auth_required.connect(self.auth_required)
        if client.session_id is not None:  # a client started before this controller (the warm spare)
            self._gemini_session_id = client.session_id
            self.model.state.folder = str(client.config.cwd)
            follow_capabilities(self.model.state, client.prompt_capabilities)

    @property
    def client(self) -> GeminiSessionClient:
        return self._client

    @property
    def store_session_id(self) -> int | None:
        """None also while the new session's row is still waiting to be written."""
        return self._store_session.value if self._store_session is not None else None

    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._waiting)

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
            self.model.add_notice(
                self.tr("This conversation cannot be saved to the history: {error}").format(error=failure),
                kind="error")

    def _run_writer_callback(self, callback: Callable[[], None]) -> None:
        callback()

    def _on_writer_state(self, state: WriterState) -> None:
        """A full disk is told once (not at every retry); so is the moment the history is saved again."""
        if state == WriterState.FULL and not self._told_disk_full:
            self._told_disk_full = True
            self.model.add_notice(
                self.tr("History cannot be saved: disk full. The conversation is kept in memory and will be "
                        "saved once there is space again."), kind="error")
        elif state == WriterState.SAVING and self._told_disk_full:
            self._told_disk_full = False
            self.model.add_notice(self.tr("The history is saved again."))

    def wait_until_saved(self, timeout: float) -> bool:
        """Block until every history write queued so far is committed (False after `timeout` seconds);
        for tools and tests that read the store directly. The controller itself waits off the UI thread."""
        return self._writes.wait_idle(timeout)

    # ---- session lifecycle

    async def _guard(self, action: Awaitable[Any]) -> bool:
        """Run an engine action; its failure becomes a notice in the conversation, not an exception in Qt."""
        try:
            await action
        except EngineError as failure:
            log.warning("session action failed: %s", failure)
            self.model.add_notice(str(failure), kind="error")
            self.error.emit(str(failure))
            return False
        return True

    async def start(self) -> bool:
        """Start a fresh gemini session (in the background, so the first message finds a warm process)."""
        return await self._guard(self._client.start_session())

    async def _quiesce(self, *, stop_process: bool) -> None:
        """End running and queued turns before the conversation changes under them."""
        if self.busy or stop_process:
            self.cancel()
            await self._client.stop_session()
        self._interrupt_open_turns()

    async def restart(self) -> bool:
        """Same conversation, new process; the engine gets our stored copy in case gemini lost its own."""
        await self._quiesce(stop_process=True)
        return await self._resume_with_client(None)

    async def new_session(self, cwd: Path | None = None) -> bool:
        await self._quiesce(stop_process=False)
        self._forget_session()
        self.model.clear()
        return await self._guard(self._client.start_session(cwd=cwd))

    async def resume(self, store_session_id: int) -> bool:
        """Show the stored conversation (not gemini's replay) and continue it in gemini."""
        record = self._store_call(self._store.get_session, store_session_id)
        if record is None:
            self.error.emit(self.tr("That conversation is no longer in the history."))
            return False
        await self._quiesce(stop_process=False)
        self._forget_session()
        self._store_session = RowRef(record.id)
        self._gemini_session_id = record.gemini_session_id
        messages = self._store_call(self._store.messages, record.id) or []
        self.model.load_history(stored_messages(messages, self._store.blobs, record.cwd),
                                stored_turn_edits(self._store, record.id, messages))
        items = self._store_call(self._store.plan, record.id)
        if items:
            self.model.show_plan(PlanUpdate(tuple(PlanEntry(*item) for item in items)))
        self.model.state.folder = record.cwd
        self.session_changed.emit(record.id)
        cwd = Path(record.cwd)
        if not cwd.is_dir():
            self.model.add_notice(
                self.tr("The folder of that conversation ({path}) is gone; continuing in {current}.").format(
                    path=record.cwd, current=self._client.config.cwd))
            cwd = self._client.config.cwd
        return await self._resume_with_client(cwd)

    async def _resume_with_client(self, cwd: Path | None) -> bool:
        await asyncio.to_thread(self._writes.wait_idle, SAVE_BEFORE_RESUME_S)
        turns = self._stored_turns()
        resume_id = self._gemini_session_id if turns else None
        return await self._guard(self._client.start_session(resume_id=resume_id, transcript=turns, cwd=cwd))

    async def use_sign_in(self, sign_in: SignIn) -> bool:
        """A new process signed in this way (keys over ACP, not its environment); the conversation continues."""
        await self._quiesce(stop_process=True)
        api_key = sign_in.api_key if sign_in.method is SignInMethod.API_KEY else None
        self._client.reconfigure(api_key=api_key, sign_in=sign_in)
        return await self._resume_with_client(None)

    async def authenticate(self, method_id: str) -> bool:
        if not await self._guard(self._client.authenticate(method_id)):
            return False
        return await self._resume_with_client(None)

    async def shutdown(self) -> None:
        """Cancel, reject pending approvals, stop gemini and keep whatever was streamed."""
        try:
            await self._quiesce(stop_process=True)
        except Exception:  # shutting down must finish even when the engine misbehaves
            log.exception("stopping the gemini session failed")
            self._interrupt_open_turns()
        await asyncio.to_thread(self._writes.close, SAVE_ON_QUIT_S)

    def _forget_session(self) -> None:
        self._store_session = None
        self._gemini_session_id = None
        self._tool_calls.clear()
        self._decisions.clear()
        self._last_sent = None
        self.session_changed.emit(0)

    def _stored_turns(self) -> list[TranscriptTurn]:
        if self.store_session_id is None:
            return []
        return stored_turns(self._store_call(self._store.messages, self.store_session_id) or [])

    # ---- sending

    def submit(self, message: str | Message) -> int:
        """Write the message (with its attachment records, in one writer job) before gemini sees it, show it,
        and queue it (FIFO behind the running turn; a queued message keeps its attachments). Returns its key
        in the model."""
        message = Message.of(message)
        queued = self.busy or self._client.state != SessionState.READY
        if self._store_session is None:
            config = self._client.config
            cwd, model, gemini_id = str(config.cwd), config.model, self._gemini_session_id
            agent = "" if config.agent.is_gemini else config.agent.name
            created = self._store_session = RowRef()
            self._writes.submit(
                lambda store: store.create_session(cwd, model=model, gemini_session_id=gemini_id, agent=agent).id,
                into=created, then=lambda session_id: self._on_session_saved(created, session_id))
        if not queued:
            self._write_user_message(self._store_session, message)
        key = self.model.add_user_message(message.text, queued=queued,
                                          attachments=shown_attachments(message.attachments))
        turn = Turn(user_key=key, text=message.text, message=message, held=queued)
        self._waiting.append(turn)
        turn.turn_id = self._client.submit(message)
        return key

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

    def cancel(self) -> None:
        if self.busy:
            self._client.cancel()
        self.reject_pending_permissions()

    # ---- steering: queued messages change before they are sent, "Send now", "Retry"

    def _queued(self, key: int) -> Turn | None:
        return next((turn for turn in self._waiting if turn.user_key == key and turn.held), None)

    def edit_queued(self, key: int, text: str) -> bool:
        """New text for a message still waiting (its attachments stay); False once it was sent."""
        turn = self._queued(key)
        if turn is None or turn.message is None or turn.turn_id is None or not text.strip():
            return False
        message = Message(text, turn.message.attachments)
        if not self._client.edit_queued(turn.turn_id, message):
            return False
        turn.message, turn.text = message, text
        return self.model.queue.edit(key, text)

    def remove_queued(self, key: int) -> bool:
        """Take back a waiting message: it is never sent nor kept."""
        turn = self._queued(key)
        if turn is None or turn.turn_id is None or not self._client.withdraw(turn.turn_id):
            return False
        self._waiting.remove(turn)
        self.model.queue.take(key)
        return True

    def move_queued(self, key: int, index: int) -> bool:
        """Move a waiting message to `index` among the waiting ones."""
        if self._queued(key) is None or not self.model.queue.move(key, index):
            return False
        rank = {queued: number for number, queued in enumerate(self.model.queue.keys())}
        held = sorted((turn for turn in self._waiting if turn.held), key=lambda turn: rank.get(turn.user_key, 0))
        self._waiting = [turn for turn in self._waiting if not turn.held] + held
        self._client.reorder_queue([turn.turn_id for turn in self._waiting if turn.turn_id is not None])
        return True

    def send_now(self, key: int) -> bool:
        """Stop the running turn (protocol cancel, the rest of the queue stays) and send this message next."""
        if not self.move_queued(key, 0):
            return False
        if self._current is not None:
            self._client.cancel(keep_queue=True)
            self.reject_pending_permissions()
        return True

    def retry(self) -> int | None:
        """Send the last message again, with its attachments when this run sent it; the answer before stays."""
        if self._last_sent is not None:
            return self.submit(self._last_sent)
        last = next((entry for entry in reversed(self.model.entries) if isinstance(entry, UserMessage)), None)
        return self.submit(last.text) if last is not None else None

    def _take_waiting(self, turn_id: int) -> Turn | None:
        for turn in self._waiting:
            if turn.turn_id == turn_id:
                self._waiting.remove(turn)
                return turn
        for turn in self._waiting:
            if turn.turn_id is None:
                self._waiting.remove(turn)
                return turn
        return None

    def _on_turn_started(self, turn_id: int, _text: str) -> None:
        turn = self._take_waiting(turn_id)
        if turn is None:
            log.warning("turn %s started that this window did not send", turn_id)
            return
        turn.turn_id = turn_id
        self._current = turn
        self._save_held(turn)
        self._last_sent = turn.message
        self.model.state.activity = "streaming"
        self.model.mark_sent(turn.user_key)
        turn.assistant_key = self.model.begin_assistant_message()
        self.turn_began.emit(turn.user_key, turn.assistant_key)
        if self._store_session is not None:
            session, answer = self._store_session, RowRef()
            turn.assistant_row = answer
            self._writes.submit(
                lambda store: store.add_message(session.require(), "assistant", "", state="streaming"), into=answer)
        self._checkpoint_timer.start()

    def _on_event(self, event: object) -> None:
        turn = self._current
        if isinstance(event, MessageChunk):
            if event.role == "assistant" and turn is not None and turn.assistant_key is not None:
                turn.chunks.append(event.text)
                self.model.append_text(turn.assistant_key, event.text)
        elif isinstance(event, ThoughtChunk):
            if turn is not None and turn.assistant_key is not None:
                turn.thoughts.append(event.text)
                self.model.append_thought(turn.assistant_key, event.text)
        elif isinstance(event, ToolCall):
            self._tool_calls[event.tool_call_id] = event
            self.model.upsert_tool_call(event)
            self._record_tool_call(event)
        elif isinstance(event, PlanUpdate):
            self.model.show_plan(event)
            self._save_plan(event)
        elif isinstance(event, CommandsUpdate):
            self.commands_changed.emit(event.commands)
        elif follow_offer(self.model.state, event):
            self.choices_changed.emit(event)

    def _save_plan(self, plan: PlanUpdate) -> None:
        """The latest plan goes to the history, so a resumed conversation shows it again."""
        if self._store_session is not None:
            session, items = self._store_session, [(e.content, e.status, e.priority) for e in plan.entries]
            self._writes.submit(lambda store: store.save_plan(session.require(), items))

    def _streaming_answer(self) -> int | None:
        return self._current.assistant_key if self._current is not None else None

    def _checkpoint(self) -> None:
        turn = self._current
        if turn is None or turn.assistant_row is None:
            return
        text, thoughts = turn.take_unsaved()
        if text or thoughts:
            answer = turn.assistant_row
            self._writes.submit(lambda store: store.append_to_message(answer.require(), text, thoughts))

    def _answer(self, turn: Turn) -> tuple[str, str]:
        """The turn's answer so far (text, thoughts), as the model holds it."""
        return self.model.answer_text(turn.assistant_key) if turn.assistant_key is not None else ("", "")

    def _find_turn(self, turn_id: int) -> Turn | None:
        if self._current is not None and self._current.turn_id == turn_id:
            turn, self._current = self._current, None
            self._checkpoint_timer.stop()
            return turn
        return self._take_waiting(turn_id)

    def _on_turn_finished(self, turn_id: int, result: ChatResult) -> None:
        turn = self._find_turn(turn_id)
        if turn is None:
            return
        cancelled = result.stop_reason == "cancelled"
        streamed, streamed_thoughts = self._answer(turn)
        text = result.text or streamed
        self._end_answer(turn, view_state="cancelled" if cancelled else "complete",
                         store_state="interrupted" if cancelled else "complete",
                         text=text, thoughts=result.thoughts or streamed_thoughts, usage=result.usage,
                         stop_reason=result.stop_reason)
        self.model.state.usage = self._client.total_usage
        self._remember_context(result)
        self.usage_changed.emit(result.usage, self._client.total_usage)
        if not cancelled:
            self.answer_finished.emit(text)

    def _remember_context(self, result: ChatResult) -> None:
        if result.context is not None:
            self.model.state.context = result.context

    def _on_turn_failed(self, turn_id: int, reason: str) -> None:
        turn = self._find_turn(turn_id)
        if turn is None:
            return
        text, thoughts = self._answer(turn)
        diagnosis = diagnose(reason, project=self._client.config.sign_in.project
                             if self._client.config.sign_in else "")
        if diagnosis is not None:
            self.model.add_notice(f"{diagnosis.title}. {diagnosis.advice}", kind="error")
            if diagnosis.needs_sign_in:
                if not text:  # nothing was answered: the message waits to be sent again
                    self.held_message.emit(turn.text)
                self.auth_required.emit(AuthRequired(reason, self._client.auth_methods, diagnosis))
        else:
            self.model.add_notice(reason, kind="error")
        self._end_answer(turn, view_state="failed", store_state="failed", text=text, thoughts=thoughts, error=reason)

    def _interrupt_open_turns(self) -> None:
        """The process is going away: keep what streamed, and mark it so the history tells the truth."""
        self._checkpoint_timer.stop()
        turn, self._current = self._current, None
        if turn is not None:
            text, thoughts = self._answer(turn)
            self._end_answer(turn, view_state="interrupted", store_state="interrupted", text=text, thoughts=thoughts)
        waiting, self._waiting = self._waiting, []
        for unsent in waiting:
            self._save_held(unsent)
            self.model.mark_sent(unsent.user_key)
            self.turn_ended.emit(unsent.user_key, TurnEnd("interrupted", error="the session ended before it was sent"))

    def _end_answer(self, turn: Turn, *, view_state: str, store_state: str, text: str, thoughts: str,
                    usage: Usage | None = None, stop_reason: str | None = None, error: str | None = None) -> None:
        """The one place an answer ends: the transcript, the database, the history list and the views that
        follow this turn all learn it."""
        if turn.assistant_key is not None:
            self.model.finish_message(turn.assistant_key, state=view_state)
        else:
            self._save_held(turn)
            self.model.mark_sent(turn.user_key)
        if turn.assistant_row is not None:
            answer = turn.assistant_row
            tokens = (usage.input_tokens, usage.output_tokens) if usage else (0, 0)
            self._writes.submit(lambda store: store.finish_message(
                answer.require(), text, thoughts=thoughts, state=store_state, input_tokens=tokens[0],
                output_tokens=tokens[1]))
        self.model.state.activity = "idle" if self._current is None and not self._waiting else "streaming"
        if self._store_session is not None:
            session = self._store_session
            self._writes.when_saved(lambda: self._on_turn_saved(session))
        self.turn_ended.emit(turn.user_key, TurnEnd(view_state, stop_reason, usage, error))

    def _on_turn_saved(self, session: RowRef) -> None:
        if session.value is not None:
            self.history_changed.emit(session.value)

    # ---- sessions and permissions

    def _on_session_started(self, outcome: ResumeOutcome) -> None:
        self._gemini_session_id = gemini_id = outcome.session_id
        if self._store_session is not None:
            session = self._store_session
            self._writes.submit(lambda store: store.set_gemini_session_id(session.require(), gemini_id))
        notice = resume_notice(outcome.method)
        if notice:
            self.model.add_notice(notice)
        self.model.state.folder = str(self._client.config.cwd)
        follow_capabilities(self.model.state, self._client.prompt_capabilities)
        self.session_started.emit(outcome)

    async def _ask_permission(self, request: PermissionRequest) -> str | None:
        """The engine awaits the user's answer; when it stops waiting (a timeout, the session ending) the
        request is withdrawn, which rejects it."""
        self._tool_calls.setdefault(request.tool_call.tool_call_id, request.tool_call)
        return await self.permissions.ask(request)

    def decide(self, tool_call_id: str, option_id: str | None) -> None:
        """A view reports the user's answer to an open request (None: reject)."""
        self.permissions.decide(tool_call_id, option_id)

    def reject_pending_permissions(self) -> None:
        self.permissions.reject_all()

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

