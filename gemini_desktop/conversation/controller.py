"""The one owner of a conversation's engine client: it feeds the conversation model and writes the history.

It owns no widgets and is the only subscriber to its client: views show the model and report the user's
permission decisions back through `decide`, which resolves the futures this controller holds.
This class holds the state, the session lifecycle and sending; its mixins do one job each: HistoryRecording
(every history write, through one background writer), TurnProgress (how a turn shows and ends) and
QueueSteering (changes to queued messages).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal

from gemini_desktop.conversation.agent_offer import follow_capabilities
from gemini_desktop.conversation.attachments import shown_attachments, stored_messages, stored_turns
from gemini_desktop.conversation.file_edits import ConversationEdits, EditJournal
from gemini_desktop.conversation.history_recording import HistoryRecording
from gemini_desktop.conversation.model import ConversationModel
from gemini_desktop.conversation.permissions import PermissionDesk
from gemini_desktop.conversation.queue_steering import QueueSteering
from gemini_desktop.conversation.turn_progress import TurnProgress
from gemini_desktop.conversation.turn_undo import stored_turn_edits
from gemini_desktop.conversation.turns import Turn
from gemini_desktop.engine.attachments import Message
from gemini_desktop.engine.events import PermissionRequest, PlanEntry, PlanUpdate, ToolCall
from gemini_desktop.engine.sign_in import SignIn, SignInMethod
from gemini_desktop.engine.types import EngineError, ResumeMethod, ResumeOutcome, SessionState, TranscriptTurn
from gemini_desktop.store import HistoryStore, HistoryWriter, RowRef

if TYPE_CHECKING:
    from gemini_desktop.engine.client import GeminiSessionClient

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL_MS = 1000
SAVE_BEFORE_RESUME_S = 2.0  # the stored transcript handed to gemini should include the last turn
SAVE_ON_QUIT_S = 2.0  # quitting must stay quick even when the disk is full


def resume_notice(method: str) -> str:
    notices = {
        ResumeMethod.LOADED: QCoreApplication.translate("ConversationController", "Resumed: loaded by gemini"),
        ResumeMethod.REBUILT: QCoreApplication.translate("ConversationController", "Resumed: rebuilt from our copy"),
        ResumeMethod.SEEDED: QCoreApplication.translate(
            "ConversationController", "Resumed: seeded (gemini got the earlier conversation as context)"),
    }
    return notices.get(method, "")  # type: ignore[call-overload]


class ConversationController(QObject, HistoryRecording, TurnProgress, QueueSteering):
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

    def cancel(self) -> None:
        if self.busy:
            self._client.cancel()
        self.reject_pending_permissions()

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
