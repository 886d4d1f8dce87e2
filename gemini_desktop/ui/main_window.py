"""The window: a shell of menus, a sidebar and a stack of conversation views over the app's Workspace.

The window shows at once and the engine loads behind it; each open conversation is a ConversationView. The
shell never reaches into a view's transcript or controller: it asks the view.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import QAbstractButton, QFileDialog, QMainWindow, QSplitter, QVBoxLayout, QWidget

from gemini_desktop import APP_NAME
from gemini_desktop.conversation import run_soon
from gemini_desktop.conversation.file_edits import EditJournal
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.conversation.workspace import Workspace, usable_folder
from gemini_desktop.engine.types import EngineConfig
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import FileEditLog, HistoryStore
from gemini_desktop.ui.banners import GeminiMissingPanel
from gemini_desktop.ui.conversation_stack import ConversationStack, Notifier
from gemini_desktop.ui.conversation_view import ConversationView
from gemini_desktop.ui.npm_installer import app_install_dir
from gemini_desktop.ui.sidebar import Sidebar
from gemini_desktop.ui.status_bar import StatusBar
from gemini_desktop.ui.transcript import link_target_text
from gemini_desktop.ui.tray import Tray
from gemini_desktop.ui.window_closing import ClosingMixin
from gemini_desktop.ui.window_commands import WindowCommands
from gemini_desktop.ui.window_dialogs import WindowDialogs
from gemini_desktop.ui.window_menus import WindowMenus
from gemini_desktop.ui.window_startup import StartupMixin

if TYPE_CHECKING:
    from gemini_desktop.conversation import ConversationController
    from gemini_desktop.engine.client import GeminiSessionClient
    from gemini_desktop.engine.session_manager import ActivityState
    from gemini_desktop.ui.find_bar import FindBar
    from gemini_desktop.ui.prompt_input import PromptInput
    from gemini_desktop.ui.transcript import TranscriptView

log = logging.getLogger(__name__)



def edit_journal(store: HistoryStore, parent: QWidget) -> EditJournal:
    """Every conversation's file edits, kept in the history with their before-images in its blob store (the one
    attached images use: the same content is kept once)."""
    return EditJournal(FileEditLog(store, store.blobs), parent)


class MainWindow(StartupMixin, ClosingMixin, QMainWindow):
    shut_down = Signal()  # every gemini is stopped and the window is closed: the app may exit
    engine_attached = Signal()  # the shown conversation has its gemini client
    settings_saved = Signal()  # the user confirmed the settings (the app layer re-applies the local API's)
    closing = Signal()  # quitting has begun: other views (the local API) stop taking requests

    def __init__(self, store: HistoryStore, settings: AppSettings, options: LaunchOptions | None = None,
                 engine_config: EngineConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.options = options or LaunchOptions()
        self.workspace = Workspace(settings, self.options, engine_config, install_dir=app_install_dir(),
                                   journal=edit_journal(store, self), parent=self)
        self.workspace.unavailable.connect(self._on_unavailable)
        self.workspace.sign_in_changed.connect(self._show_sign_in)
        self.workspace.attached.connect(self._on_workspace_attached)
        self.conversations = OpenConversations(self.workspace, store, parent=self)  # shared with the local API
        self.conversations.opened.connect(self._on_conversation_opened)
        self.conversations.closed.connect(self._on_conversation_closed)
        self.local_api_address = ""  # where the local API listens ("" when off), shown in the settings
        self._closing = False
        self._closed = False
        self._stop_import = threading.Event()  # set on close: the import stops between files and batches
        self._shown_before = False
        self.restart_requested = False  # the app starts itself again once this window has shut down
        self.setWindowTitle(APP_NAME)
        self.resize(1100, 720)
        self._build_widgets()
        self.dialogs = WindowDialogs(self)  # Settings, MCP servers, About
        self.menus = WindowMenus(self)
        self.commands = WindowCommands(self)  # the command palette, the shortcuts sheet, the zoom
        self.tray = Tray(self)
        self._restore_geometry()

    # ---- construction

    def _build_widgets(self) -> None:
        self.stack = ConversationStack(self.conversations, self)
        self.stack.added.connect(self._wire)
        self.stack.shown.connect(self._show_status)
        self.stack.rows_changed.connect(self._refresh_sidebar)
        self.notifier = Notifier(self.stack, self)
        self.notifier.clicked.connect(self.bring_to_front)
        self.sidebar = Sidebar(self.store, self)
        self.sidebar.conversation_chosen.connect(self.switch_to)
        self.sidebar.close_requested.connect(lambda index: self.close_view(self.views[index]))
        self.sidebar.open_requested.connect(self.open_history)
        self.sidebar.resume_requested.connect(self.resume_session)
        self.missing_panel = GeminiMissingPanel(self)
        self.missing_panel.retry_requested.connect(self.connect_engine)
        self.missing_panel.located.connect(self._use_located_gemini)
        self.missing_panel.installed.connect(lambda _prefix: self.connect_engine())
        main = QWidget(self)
        main_layout = QVBoxLayout(main)
        main_layout.setContentsMargins(0, 0, 0, 0)
        main_layout.addWidget(self.missing_panel)
        main_layout.addWidget(self.stack, 1)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(main)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)
        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.status.model_box.chosen.connect(self._choose_model)
        self.status.mode_box.chosen.connect(lambda mode: self.view.set_mode(mode))
        self.status.mcp_button.clicked.connect(self.show_mcp_servers)

    def _restore_geometry(self) -> None:
        geometry = self.settings.window_geometry
        if geometry is not None:
            self.restoreGeometry(geometry)
        splitter = self.settings.splitter_state
        if splitter is not None:
            self.splitter.restoreState(splitter)
        else:
            self.splitter.setSizes([280, 820])
        visible = self.settings.history_visible
        self.sidebar.setVisible(visible)
        self.menus.history_action.setChecked(visible)

    # ---- the shown conversation (what the menus, the status bar and the tests act on)

    @property
    def view(self) -> ConversationView:
        return self.stack.current

    @property
    def views(self) -> list[ConversationView]:
        return list(self.stack.views)

    @property
    def transcript(self) -> TranscriptView:
        return self.view.transcript

    @property
    def prompt(self) -> PromptInput:
        return self.view.prompt

    @property
    def find_bar(self) -> FindBar:
        return self.view.find_bar

    @property
    def controller(self) -> ConversationController | None:
        return self.view.controller

    @property
    def client(self) -> GeminiSessionClient | None:
        return self.view.client

    @property
    def send_button(self) -> QAbstractButton:
        return self.view.send_button

    @property
    def stop_button(self) -> QAbstractButton:
        return self.view.stop_button

    @property
    def crash_banner(self) -> object:
        return self.view.crash_banner

    @property
    def auth_panel(self) -> object:
        return self.view.auth_panel

    @property
    def history_id(self) -> int | None:
        """The shown conversation's id in the history store, if it has one yet."""
        return self.view.history_id

    # ---- starting

    def _wire(self, view: ConversationView) -> None:
        view.changed.connect(lambda: self._on_view_changed(view))
        view.answer_finished.connect(lambda text: self._on_answer_finished(view, text))
        view.status_message.connect(self.status.showMessage)
        view.link_hovered.connect(self._show_link_target)
        view.link_opened.connect(self._on_link_opened)
        view.history_changed.connect(self._on_history_changed)

    # ---- switching

    def show_view(self, view: ConversationView) -> None:
        self.stack.show_view(view)

    def switch_by(self, step: int) -> None:
        self.stack.switch_by(step)

    def switch_to(self, index: int) -> None:
        self.stack.switch_to(index)

    def _on_view_changed(self, view: ConversationView) -> None:
        if view is self.stack.currentWidget():
            self._show_status(view)

    def _show_status(self, view: ConversationView) -> None:
        self.status.show_conversation(view, gemini_missing=self.workspace.problem is not None)
        self.menus.stop_action.setEnabled(view.busy)
        self.menus.restart_action.setEnabled(view.client is not None)
        folder = view.folder
        self.setWindowTitle(f"{APP_NAME} — {folder.name or folder}")
        if view.client is not None:
            self.engine_attached.emit()

    def _refresh_sidebar(self) -> None:
        self.sidebar.set_rows(self.stack.rows(), self.stack.current_row())

    def _on_activity(self, key: str, state: ActivityState) -> None:
        view = self.stack.find_key(key)
        if view is None:
            return
        if state.activity == "waiting_approval" and self.stack.mark_unread(view):
            self.notify(view, self.tr("Gemini asks for permission"), view.title)
        self._on_view_changed(view)
        self._refresh_sidebar()

    def _on_answer_finished(self, view: ConversationView, text: str) -> None:
        self.stack.mark_unread(view)
        self.notify(view, self.tr("Gemini answered"), " ".join(text.split())[:140])

    def _on_history_changed(self, history_id: int) -> None:
        if history_id:
            self.sidebar.refresh()

    # ---- user actions

    def send_message(self, text: str) -> None:
        self.view.send_message(text)

    def cancel_turn(self) -> None:
        self.view.cancel_turn()
        self.menus.stop_action.setEnabled(self.view.busy)

    def new_session(self, _checked: bool = False, *, folder: Path | None = None,
                    agent: str | None = None) -> ConversationView:
        """A new conversation with `agent` (None: the default) in the shown one's folder (or `folder`)."""
        view = self.stack.create(folder=folder or self.view.folder)
        view.open_new(agent)
        self.stack.show_view(view)
        return view

    def close_current(self) -> None:
        """Stop the shown conversation's gemini and close it; it stays in the history."""
        self.close_view(self.view)

    def close_view(self, view: ConversationView) -> None:
        """Stop a conversation's gemini and close it (the sidebar's close button); it stays in the history."""
        self.stack.remove(view)
        run_soon(self._close_view(view))
        if not self.stack.views:
            self.new_session(folder=view.folder)

    async def _close_view(self, view: ConversationView) -> None:
        try:
            await view.shutdown()
            if view.key is not None:
                await self.conversations.forget(view.key)
        finally:
            view.deleteLater()

    def _on_conversation_opened(self, key: str) -> None:
        """A conversation another view opened (a program, through the local API) gets its place in the sidebar."""
        conversation = self.conversations.conversation(key)
        if conversation is None or self.stack.find_key(key) is not None or self._closing:
            return
        view = self.stack.create(folder=conversation.client.config.cwd)
        view.show_conversation(conversation)

    def _on_conversation_closed(self, key: str) -> None:
        """Closed by another view: its place goes too (it stays in the history)."""
        view = self.stack.find_key(key)
        if view is None:
            return
        self.stack.remove(view)
        view.deleteLater()
        if not self.stack.views and not self._closing:
            self.new_session(folder=view.folder)

    def restart_session(self) -> None:
        self.view.restart()

    def open_history(self, history_id: int, message_id: object = None, find: str = "") -> None:
        """A history entry on screen at once, read-only until it is sent to or resumed."""
        view = self.stack.for_history(history_id, shown_from_message=message_id if isinstance(message_id, int)
                                      else None, find=find)
        if view is not None:
            self.stack.show_view(view)

    def resume_session(self, history_id: int) -> None:
        view = self.stack.for_history(history_id)
        if view is not None:
            self.stack.show_view(view)
            if view.read_only:
                view.resume()

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Working folder for a new conversation"),
                                                  str(self.view.folder))
        if folder:
            self.open_folder(Path(folder))

    def open_folder(self, folder: Path) -> ConversationView:
        """A new conversation in `folder`: gemini's tools work relative to it."""
        self.settings.working_dir = folder
        return self.new_session(folder=folder)

    def copy_conversation(self) -> None:
        QGuiApplication.clipboard().setText(self.view.to_markdown())
        self.status.showMessage(self.tr("Conversation copied as Markdown."), 4000)

    def _choose_model(self, model_id: str) -> None:
        client = self.view.client
        self.settings.set_agent_model(client.agent.name if client is not None else "gemini", model_id)
        self.view.set_model(model_id)

    def show_settings(self) -> None:
        self.dialogs.show_settings()

    def show_mcp_servers(self) -> asyncio.Future[None]:
        return self.dialogs.show_mcp_servers()

    def about_text(self) -> str:
        return self.dialogs.about_text()

    def toggle_history(self) -> None:
        visible = self.sidebar.isHidden()
        if visible:
            self.import_cli_history()
        self.sidebar.setVisible(visible)
        self.menus.history_action.setChecked(visible)
        self.settings.history_visible = visible

    def _show_link_target(self, target: str) -> None:
        """The real target of the link under the mouse, in plain text (the status bar never renders markup)."""
        if target:
            self.status.showMessage(target)
        else:
            self.status.clearMessage()

    def _on_link_opened(self, url: QUrl) -> None:
        """The transcript opens only http(s) links, on a click; say where it went, since a browser may hide."""
        self.status.showMessage(self.tr("Opened in your browser: {url}").format(url=link_target_text(url)), 5000)

    def bring_to_front(self, arguments: object = None) -> None:
        """Another launch of the app asked for this window (single instance); with `--cwd FOLDER` (checked
        again here: it came from another process) a new conversation opens in that folder."""
        if self._closing:  # quitting: nothing new starts
            return
        folder = handed_over_folder(arguments)
        if folder is not None:
            self.open_folder(folder)
        self.showNormal()
        self.raise_()
        self.activateWindow()

    # ---- background work

    def notify(self, view: ConversationView, title: str, text: str) -> None:
        """A desktop notification that brings `view` on screen, only when the window is not the active one."""
        if not self.isActiveWindow():
            self.notifier.notify(view, title, text)

    def notify_answer(self, text: str) -> None:
        self.notify(self.view, self.tr("Gemini answered"), " ".join(text.split())[:140])

    def showEvent(self, event: QShowEvent) -> None:
        """The first show gives the composer the keyboard, so typing right after launch is never lost.

        Without a window manager nobody else focuses the window: activating it asks X for the input focus.
        """
        super().showEvent(event)
        if not self._shown_before and not event.spontaneous():
            self._shown_before = True
            self.prompt.setFocus()
            self.activateWindow()

def handed_over_folder(arguments: object) -> Path | None:
    """The folder of a `--cwd FOLDER` hand-over, when it is an existing absolute folder."""
    if not isinstance(arguments, list) or len(arguments) != 2 or arguments[0] != "--cwd":
        return None
    folder = usable_folder(arguments[1]) if isinstance(arguments[1], str) else None
    if folder is None:
        log.warning("a hand-over named no usable folder; only the window is brought to the front")
    return folder
