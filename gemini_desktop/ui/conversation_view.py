"""One open conversation on screen: banners, transcript, find bar, composer with its own draft, Send and Stop.

A view exists at once, before its conversation has a process: a new one waits for the engine (what is typed
meanwhile is sent once it is ready), an earlier one shows the stored transcript read-only and gets its gemini
only when the user sends or presses Resume. The per-conversation pair (controller + transcript) is built in
one place, `_attach`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gemini_desktop.conversation import ConversationController, run_soon
from gemini_desktop.conversation.attachments import stored_messages, stored_turns
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.conversation.turn_snapshots import snapshots_root
from gemini_desktop.conversation.turn_undo import TurnUndoer, stored_turn_edits
from gemini_desktop.engine.attachments import Message
from gemini_desktop.engine.sign_in import SignIn, SignInMethod
from gemini_desktop.engine.types import (
    AuthRequired,
    ContextUsage,
    EngineError,
    ResumeOutcome,
    SessionState,
    Usage,
)
from gemini_desktop.store import StoreError
from gemini_desktop.ui.banners import CrashBanner
from gemini_desktop.ui.composer import Composer
from gemini_desktop.ui.empty_state import fill_composer
from gemini_desktop.ui.find_bar import FindBar
from gemini_desktop.ui.message_actions import on_message_action
from gemini_desktop.ui.prompt_input import PromptInput
from gemini_desktop.ui.sign_in_panel import SignInPanel
from gemini_desktop.ui.transcript import TranscriptView
from gemini_desktop.ui.turn_dock import TurnDock
from gemini_desktop.ui.turn_undo_dialog import undo_turn

if TYPE_CHECKING:
    from gemini_desktop.engine.client import GeminiSessionClient
    from gemini_desktop.engine.session_manager import Conversation

log = logging.getLogger(__name__)

PROMPT_LINES = 6  # the prompt grows no taller than this; longer text scrolls


class ConversationView(QWidget):
    changed = Signal()  # state, title, folder, usage, pickers or actions changed: the shell refreshes
    answer_finished = Signal(str)  # a finished answer (for the unread mark and a desktop notification)
    status_message = Signal(str, int)  # text, milliseconds
    link_hovered = Signal(str)
    link_opened = Signal(QUrl)
    history_changed = Signal(int)  # this conversation's history record was written

    def __init__(self, conversations: OpenConversations, *, folder: Path | None = None,
                 history_id: int | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationView")
        self._conversations = conversations
        self._workspace = conversations.workspace
        self._store = conversations.store
        self._folder = folder or self._workspace.default_folder
        self._history_id = history_id  # an earlier conversation shown read-only until it gets a process
        self._title = ""
        self.conversation: Conversation | None = None
        self.controller: ConversationController | None = None
        self._opening: asyncio.Future[bool] | None = None
        self._early_messages: list[Message] = []
        self.usage: tuple[Usage | None, Usage | None] = (None, None)
        self._undoer: TurnUndoer | None = None  # one per model: a second click during an undo does nothing
        self._build()

    def _build(self) -> None:
        self.transcript = TranscriptView(self)
        self.transcript.setObjectName("transcriptView")
        self.transcript.link_clicked.connect(self.link_opened)
        self.transcript.link_hovered.connect(self.link_hovered)
        self.transcript.undo_requested.connect(self.undo_changes)
        self.transcript.message_action.connect(
            lambda action, key: on_message_action(self, self._conversations, action, key))
        self.prompt = PromptInput(self)
        self.prompt.message_submitted.connect(self.send_message)
        self.prompt.attachment_refused.connect(lambda reason: self.status_message.emit(reason, 10000))
        self.prompt.send_check = self._refusal
        self.prompt.setMaximumHeight(self.prompt.fontMetrics().lineSpacing() * PROMPT_LINES + 12)
        self.transcript.permission_focus_released.connect(self.prompt.setFocus)
        self.transcript.welcome.prompt_chosen.connect(lambda text: fill_composer(self.prompt, text))
        self.composer = Composer(self.prompt, self)
        self.send_button, self.stop_button = self.composer.send_button, self.composer.stop_button
        self.attach_button, self.resume_button = self.composer.attach_button, self.composer.resume_button
        self.send_button.clicked.connect(self.prompt.submit)
        self.stop_button.clicked.connect(self.cancel_turn)
        self.resume_button.clicked.connect(self.resume)
        self.attach_button.clicked.connect(self.prompt.choose_attachments)

        self.crash_banner = CrashBanner(self)
        self.crash_banner.restart_requested.connect(self.restart)
        self.crash_banner.new_session_requested.connect(self.start_over)
        self.auth_panel = SignInPanel(self)
        self.auth_panel.sign_in_chosen.connect(self._use_sign_in)
        self.auth_panel.google_login_requested.connect(lambda: self._log_in_with("oauth-personal"))
        self.auth_panel.method_requested.connect(self._log_in_with)
        self.find_bar = FindBar(self.transcript, self)
        self.find_bar.closed.connect(self.prompt.setFocus)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.crash_banner)
        layout.addWidget(self.auth_panel)
        layout.addWidget(self.transcript, 1)
        layout.addWidget(self.find_bar)
        self.turn_dock = TurnDock(self)
        layout.addWidget(self.turn_dock)
        layout.addWidget(self.composer)
        self.setFocusProxy(self.prompt)
        self.setAcceptDrops(True)
        self._enable_attachments()
        self._update_actions()

    # ---- what the shell shows about it

    @property
    def client(self) -> GeminiSessionClient | None:
        return self.controller.client if self.controller is not None else None

    @property
    def agent_label(self) -> str:
        """The name of the conversation's agent when it is not gemini ("" for gemini, or before it has one)."""
        client = self.client
        return client.agent.display_name if client is not None and not client.agent.is_gemini else ""

    @property
    def key(self) -> str | None:
        return self.conversation.key if self.conversation is not None else None

    @property
    def history_id(self) -> int | None:
        if self.controller is not None and self.controller.store_session_id:
            return self.controller.store_session_id
        return self._history_id

    @property
    def folder(self) -> Path:
        client = self.client
        return client.config.cwd if client is not None else self._folder

    @property
    def title(self) -> str:
        return self._title or self.tr("New conversation")

    @property
    def read_only(self) -> bool:
        """An earlier conversation whose gemini has not started: what is shown comes from our store."""
        return self.controller is None and self._history_id is not None

    @property
    def busy(self) -> bool:
        return self.controller is not None and self.controller.busy

    @property
    def activity(self) -> tuple[str, int]:
        """What the sidebar shows (an engine `Activity` value, messages queued): the manager's view of the
        conversation once it has one. The engine module loads in the background, hence plain values."""
        if self.conversation is not None:
            return str(self.conversation.activity.activity), self.conversation.activity.queued
        if self.read_only:
            return "suspended", 0
        return ("failed" if self._workspace.problem is not None else "starting"), 0

    @property
    def waiting_for(self) -> tuple[str, int, int] | None:
        """While its start waits for a free process: the agent's name, the busy processes and the cap."""
        state = self.conversation.activity if self.conversation is not None else None
        if state is None or str(state.activity) != "waiting_process":
            return None
        return state.agent, state.busy, state.cap

    @property
    def context(self) -> tuple[str | None, ContextUsage | None]:
        """The model in use and its last turn's usage, for the context meter."""
        client = self.client
        state = self.transcript.model.state
        return state.model or (client.config.model if client is not None else None), state.context

    @property
    def state(self) -> str:
        client = self.client
        if client is not None:
            return client.state
        return SessionState.STOPPED if self.read_only else SessionState.STARTING

    # ---- opening

    def open_new(self, agent: str | None = None) -> asyncio.Future[bool]:
        """A new conversation with `agent` (None: the default one): the view shows at once, its process comes
        from the workspace (the warm spare)."""
        return self._open(self._open_new(agent))

    async def _open_new(self, agent: str | None) -> bool:
        return await self._workspace.open_new(self._folder, on_open=self._attach, agent=agent) is not None

    def show_history(self, *, shown_from_message: int | None = None, find: str = "") -> bool:
        """Render the stored conversation read-only, at once and without a process."""
        assert self._history_id is not None
        try:
            record = self._store.get_session(self._history_id)
            messages = self._store.messages(self._history_id) if record is not None else []
        except StoreError as error:
            self.transcript.model.add_notice(str(error), kind="error")
            return False
        if record is None:
            self.transcript.model.add_notice(self.tr("That conversation is no longer in the history."), kind="error")
            return False
        self._title = record.title or ""
        self._folder = Path(record.cwd)
        self._enable_attachments()
        self.transcript.model.load_history(stored_messages(messages, self._store.blobs, record.cwd),
                                           stored_turn_edits(self._store, record.id, messages))
        shown_from = next((i for i, m in enumerate(messages) if m.id == shown_from_message), None)
        if shown_from is not None:
            self.transcript.show_from(shown_from)
        if find:
            self.transcript.find(find, again=False)
        self._update_actions()
        return True

    def resume(self) -> asyncio.Future[bool]:
        """Give the shown earlier conversation its gemini (on Resume, or on the first message)."""
        return self._open(self._resume())

    async def _resume(self) -> bool:
        history_id = self._history_id
        assert history_id is not None
        record = self._store.get_session(history_id)
        if record is None:
            return False
        turns = stored_turns(self._store.messages(history_id))
        folder = Path(record.cwd) if Path(record.cwd).is_dir() else self._workspace.default_folder
        conversation = await self._workspace.open_suspended(history_id, record.gemini_session_id, turns, folder,
                                                            record.agent)
        if conversation is None:
            return False
        controller = self._attach(conversation)
        return await controller.resume(history_id)

    def _open(self, opening: Awaitable[bool]) -> asyncio.Future[bool]:
        if self._opening is None or self._opening.done():
            self._opening = run_soon(self._guarded_open(opening))
            self._update_actions()
        return self._opening

    async def _guarded_open(self, opening: Awaitable[bool]) -> bool:
        try:
            opened = await opening
        except (EngineError, StoreError) as error:
            log.warning("opening a conversation failed: %s", error)
            self.transcript.model.add_notice(str(error), kind="error")
            opened = False
        self._update_actions()
        early, self._early_messages = self._early_messages, []
        if self.controller is not None:
            for message in early:
                self.controller.submit(message)  # queued by the engine until the session is ready
        else:
            self._give_back(early)
        return opened

    def show_conversation(self, conversation: Conversation) -> None:
        """A conversation opened elsewhere (the local API), shown here as it is."""
        self._attach(conversation)

    def _attach(self, conversation: Conversation) -> ConversationController:
        """The one place a conversation's controller and transcript are paired: the controller takes over the
        model the view shows (a stored conversation, notices), and the view reports permission answers to it."""
        self.conversation = conversation
        controller = self._conversations.adopt(conversation, self.transcript.model)  # shared with the local API
        self.controller = controller
        self.transcript.set_model(controller.model, controller.decide)
        self.turn_dock.attach(controller)
        controller.state_changed.connect(self._on_state_changed)
        controller.queue_changed.connect(lambda _count: self._changed())
        controller.choices_changed.connect(lambda _choices: self._changed())
        controller.crashed.connect(self.crash_banner.show_crash)
        controller.auth_required.connect(self._on_auth_required)
        controller.held_message.connect(self._on_held_message)
        controller.session_started.connect(self._on_session_started)
        controller.stalled.connect(self._on_stalled)
        controller.commands_changed.connect(self.prompt.set_commands)
        self.prompt.set_commands(controller.client.commands)  # announced before this view attached
        controller.usage_changed.connect(self._on_usage)
        controller.answer_finished.connect(self._on_answer_finished)
        controller.error.connect(lambda message: self.status_message.emit(message, 10000))
        controller.session_changed.connect(self._on_history_changed)
        controller.history_changed.connect(self._on_history_changed)
        self._follow_images()
        self.transcript.set_agent_name(self.agent_label)
        self.prompt.set_agent_name(self.agent_label)
        self._changed()
        return controller

    # ---- engine signals

    def _changed(self) -> None:
        self._update_actions()
        self.changed.emit()

    def _on_state_changed(self, _state: str) -> None:
        self._changed()

    def _on_session_started(self, _outcome: ResumeOutcome) -> None:
        self.crash_banner.hide()
        self.auth_panel.hide()
        self._enable_attachments()
        self._follow_images()
        self._changed()

    def _enable_attachments(self) -> None:
        """@ mentions and attachments are judged against the conversation's folder (it may change on resume)."""
        self.prompt.enable_attachments(self.folder, self._workspace.file_indexes)
        self.transcript.welcome.set_folder(self.folder)

    def _follow_images(self) -> None:
        """Images are offered only when the running agent advertised `promptCapabilities.image`; the Attach
        button's tip, a drop and a paste say why not (before the agent has started, they are allowed and the
        engine checks again)."""
        client = self.client
        refused = self.controller is not None and self.controller.model.state.accepts_images is False
        reason = self.tr("{agent} does not accept images: attach files or text instead.").format(
            agent=client.agent_name if client is not None else "") if refused else ""
        self.prompt.refuse_images(reason)
        self.composer.note_attachments(reason)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        """Files and images dropped anywhere on the conversation go to the composer, as if dropped there."""
        data = event.mimeData()
        if (data.hasUrls() or data.hasImage()) and self.prompt.canInsertFromMimeData(data):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.prompt.insertFromMimeData(event.mimeData())
        event.acceptProposedAction()

    def _refusal(self, message: Message) -> str | None:
        """Why the message cannot be sent as it is, told before sending (nothing is dropped): attachments of a
        kind this gemini did not say it accepts. Unknown before gemini has started: the engine checks again."""
        client = self.client
        missing = client.missing_capabilities(message) if client is not None else []
        if not missing:
            return None
        return self.tr("This version of gemini does not accept {kinds} attachments; remove them to send the "
                       "message.").format(kinds=", ".join(missing))

    def _agent_command(self) -> tuple[str, ...]:
        """How the agent is run, for the command a `terminal` sign-in method asks the user to run."""
        command = self.client.config.gemini if self.client is not None else None
        return (command.program, *command.args) if command is not None else ()

    def _agent(self) -> str:
        client = self.client
        return "Gemini" if client is None or client.agent.is_gemini else client.agent.display_name

    def _on_auth_required(self, required: AuthRequired) -> None:
        self.auth_panel.agent_command = self._agent_command()
        self.auth_panel.offer(required.methods, self._workspace.sign_in, required.diagnosis, agent=self._agent())

    def change_sign_in(self) -> None:
        """Settings › Change…: the ways in this conversation's gemini advertised (all of gemini's before it
        has started)."""
        methods = self.client.auth_methods if self.client is not None else ()
        self.auth_panel.agent_command = self._agent_command()
        self.auth_panel.offer(methods, self._workspace.sign_in, None, changing=True, agent=self._agent())

    def _on_held_message(self, text: str) -> None:
        """A message a refused sign-in kept from gemini goes back into the composer, to send once signed in."""
        if not self.prompt.toPlainText().strip():
            self.prompt.setPlainText(text)
        self.status_message.emit(self.tr("Your message was not sent: it is back in the message box. Send it "
                                         "again once signed in."), 15000)

    def _on_stalled(self, seconds: float) -> None:
        self.status_message.emit(
            self.tr("gemini has sent nothing for {seconds:.0f} s; press Stop (Esc) to give up.").format(
                seconds=seconds), 15000)

    def _on_usage(self, last: Usage | None, total: Usage | None) -> None:
        self.usage = (last, total)
        self._changed()

    def _on_answer_finished(self, text: str) -> None:
        self._changed()
        self.answer_finished.emit(text)

    def _on_history_changed(self, history_id: int) -> None:
        if history_id:
            self._history_id = history_id
            try:
                record = self._store.get_session(history_id)
            except StoreError:
                record = None
            if record is not None and record.title:
                self._title = record.title
        self._changed()
        self.history_changed.emit(history_id)

    def _update_actions(self) -> None:
        opening = self._opening is not None and not self._opening.done()
        self.send_button.setEnabled(self._workspace.problem is None)
        self.stop_button.setEnabled(self.busy)
        self.resume_button.setVisible(self.read_only and not opening)

    # ---- user actions

    def send_message(self, message: str | Message) -> None:
        message = Message.of(message)
        if self.controller is not None:
            self.controller.submit(message)
        elif self._workspace.problem is not None:
            self._give_back([message])
        else:
            self._early_messages.append(message)  # sent as soon as the conversation has its gemini
            if self.read_only:
                self.resume()
            elif self._opening is None:
                self.open_new()
            self.status_message.emit(
                self.tr("Starting gemini… your message will be sent as soon as it is ready."), 5000)
        self._update_actions()

    def _give_back(self, messages: list[Message]) -> None:
        """Messages that could not be sent go back into the composer: nothing typed or attached is lost."""
        if messages:
            self.prompt.put_back(Message("\n\n".join(m.text for m in messages if m.text),
                                         tuple(a for m in messages for a in m.attachments)))
            self.status_message.emit(self.tr("gemini is not available yet."), 5000)

    def cancel_turn(self) -> None:
        if self.controller is not None:
            self.controller.cancel()
        else:
            self.transcript.reject_pending_permissions()
        self._update_actions()

    def restart(self) -> None:
        if self.controller is not None:
            self.crash_banner.hide()
            run_soon(self.controller.restart())

    def start_over(self) -> None:
        """The crash banner's "New session": a fresh conversation in this view, same folder."""
        if self.controller is not None:
            self.crash_banner.hide()
            run_soon(self.controller.new_session())

    def set_model(self, model_id: str) -> None:
        if self.controller is not None:
            self.controller.remember_model(model_id)
            run_soon(self._guarded_setting(self.controller.client.set_model(model_id)))

    def set_mode(self, mode_id: str) -> None:
        if self.controller is not None:
            run_soon(self._guarded_setting(self.controller.client.set_mode(mode_id)))

    async def _guarded_setting(self, change: Awaitable[None]) -> None:
        try:
            await change
        except EngineError as error:
            self.status_message.emit(str(error), 10000)

    def _use_sign_in(self, sign_in: SignIn) -> None:
        if self.controller is None:
            return
        stored = self._workspace.use_sign_in(sign_in)
        self.auth_panel.show_diagnosis(None)
        self.auth_panel.set_status(
            self.tr("Saved (secrets in the system keyring). Starting gemini…") if stored else
            self.tr("No usable system keyring: the secrets are used for this run only. Starting gemini…"))
        run_soon(self.controller.use_sign_in(sign_in))

    def _log_in_with(self, method_id: str) -> None:
        if self.controller is None:
            return
        timeout = self.controller.client.config.auth_timeout
        self.auth_panel.set_status(self.tr(
            "A browser window should open for the Google sign-in. Waiting up to {seconds:.0f} s…").format(
            seconds=timeout) if method_id == SignInMethod.GOOGLE else self.tr("Signing in…"))
        run_soon(self._log_in(method_id))

    async def _log_in(self, method_id: str) -> None:
        assert self.controller is not None
        if not await self.controller.authenticate(method_id):
            self.auth_panel.set_status(self.tr("Signing in did not finish. Try again, or choose another way in."))

    def undo_changes(self, entry_id: int, undo: bool = True) -> asyncio.Future[list[str] | None]:
        """"Undo changes" on a turn or a tool card (the files and their diffs are listed first), or "Redo"."""
        edits = self.controller.edits if self.controller is not None else None
        if self._undoer is None or not self._undoer.serves(self.transcript.model, edits):
            self._undoer = TurnUndoer(self.transcript.model, snapshots_root(self._store), edits)
        return run_soon(undo_turn(self, self._undoer, entry_id) if undo else self._undoer.redo(entry_id))

    def answer_permission(self, key: Qt.Key) -> bool:
        return self.transcript.answer_permission(key)

    def to_markdown(self) -> str:
        return self.transcript.model.to_markdown()

    # ---- closing

    async def shutdown(self) -> None:
        """End the turns (keeping what streamed), flush the history; the workspace stops the child."""
        if self._opening is not None and not self._opening.done():
            self._opening.cancel()
        if self.controller is not None:
            await self.controller.shutdown()
