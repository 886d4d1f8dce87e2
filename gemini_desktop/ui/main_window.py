"""The window: a shell of menus, a sidebar and a stack of conversation views over the app's Workspace.

The window shows at once and the engine loads behind it; each open conversation is a ConversationView. The
shell never reaches into a view's transcript or controller: it asks the view.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
import os
import signal
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import Qt, QTimer, QUrl, Signal, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QAbstractButton,
    QFileDialog,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop import APP_NAME, __version__
from gemini_desktop.conversation import run_soon
from gemini_desktop.conversation.file_edits import EditJournal
from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.conversation.workspace import GeminiUnavailable, Workspace, usable_folder
from gemini_desktop.engine.cli_sessions import cli_home
from gemini_desktop.engine.types import EngineConfig
from gemini_desktop.i18n import SYSTEM_LANGUAGE
from gemini_desktop.paths import log_dir
from gemini_desktop.settings import AppSettings, LaunchOptions
from gemini_desktop.store import FileEditLog, HistoryStore, StoreError, import_cli_sessions
from gemini_desktop.ui.agent_menu import AgentMenu
from gemini_desktop.ui.banners import GeminiMissingPanel, describe_missing
from gemini_desktop.ui.conversation_stack import ConversationStack, Notifier
from gemini_desktop.ui.conversation_view import ConversationView
from gemini_desktop.ui.mcp_dialog import manage_mcp_servers, mcp_server_count
from gemini_desktop.ui.npm_installer import app_install_dir
from gemini_desktop.ui.settings_dialog import SettingsDialog
from gemini_desktop.ui.sidebar import Sidebar
from gemini_desktop.ui.status_bar import NOT_SET_UP, StatusBar
from gemini_desktop.ui.tool_card import anywhere_shortcut
from gemini_desktop.ui.transcript import link_target_text
from gemini_desktop.ui.tray import Tray
from gemini_desktop.ui.window_commands import WindowCommands

if TYPE_CHECKING:
    from gemini_desktop.conversation import ConversationController
    from gemini_desktop.engine.client import GeminiSessionClient
    from gemini_desktop.engine.session_manager import ActivityState
    from gemini_desktop.ui.find_bar import FindBar
    from gemini_desktop.ui.prompt_input import PromptInput
    from gemini_desktop.ui.transcript import TranscriptView

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_MS = 8000  # a clean stop takes at most ~5 s (stdin close, terminate, kill)
SWITCH_KEYS = 9  # Ctrl+1 .. Ctrl+9


def edit_journal(store: HistoryStore, parent: QWidget) -> EditJournal:
    """Every conversation's file edits, kept in the history with their before-images in its blob store (the one
    attached images use: the same content is kept once)."""
    return EditJournal(FileEditLog(store, store.blobs), parent)


class MainWindow(QMainWindow):
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
        self._mcp_page: asyncio.Future[None] | None = None
        self.setWindowTitle(APP_NAME)
        self.resize(1100, 720)
        self._build_widgets()
        self._build_menus()
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
        self.history_panel = self.sidebar.history_panel
        self.history_panel.open_requested.connect(self.open_history)
        self.history_panel.resume_requested.connect(self.resume_session)
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

    def _action(self, text: str, slot: object, shortcut: QKeySequence | str | None = None,
                name: str | None = None) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.new_session_action = self._action(self.tr("&New conversation"), self.new_session, "Ctrl+N",
                                               "newSessionAction")
        self.new_session_action.setShortcuts([QKeySequence("Ctrl+N"), QKeySequence("Ctrl+T")])
        self.close_conversation_action = self._action(self.tr("&Close conversation"), self.close_current,
                                                      "Ctrl+W", "closeConversationAction")
        self.restart_action = self._action(self.tr("&Restart session"), self.restart_session, "Ctrl+R",
                                           "restartAction")
        self.open_folder_action = self._action(self.tr("&Open folder…"), self.choose_folder,
                                               QKeySequence.StandardKey.Open, "openFolderAction")
        self.copy_markdown_action = self._action(self.tr("&Copy conversation as Markdown"),
                                                 self.copy_conversation, "Ctrl+Shift+C", "copyMarkdownAction")
        self.settings_action = self._action(self.tr("&Settings…"), self.show_settings,
                                            QKeySequence.StandardKey.Preferences, "settingsAction")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.mcp_action = self._action(self.tr("&MCP servers…"), self.show_mcp_servers, None, "mcpServersAction")
        self.quit_action = self._action(self.tr("&Quit"), self.close, "Ctrl+Q", "quitAction")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        file_menu.addActions([self.new_session_action, self.open_folder_action, self.close_conversation_action,
                              self.restart_action])
        self.agent_menu = AgentMenu(self, file_menu, before=self.open_folder_action)
        file_menu.addSeparator()
        file_menu.addActions([self.copy_markdown_action, self.settings_action, self.mcp_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.stop_action = self._action(self.tr("Stop answer"), self.cancel_turn, "Esc", "stopAction")
        self.stop_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        for key, text, name in (
                (Qt.Key.Key_Y, self.tr("Allow the permission request once"), "allowOnceAction"),
                (Qt.Key.Key_A, self.tr("Allow the permission request for this session"), "allowAlwaysAction"),
                (Qt.Key.Key_N, self.tr("Reject the permission request"), "rejectRequestAction")):
            self._action(text, lambda _checked=False, answer=key: self.view.answer_permission(answer),
                         anywhere_shortcut(key), name)

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.history_action = self._action(self.tr("&History"), self.toggle_history, "Ctrl+H", "historyAction")
        self.history_action.setCheckable(True)
        self.find_action = self._action(self.tr("&Find in conversation…"), lambda: self.find_bar.open(),
                                        QKeySequence.StandardKey.Find, "findAction")
        self.find_next_action = self._action(self.tr("Find &next"), lambda: self.find_bar.find_next(),
                                             QKeySequence.StandardKey.FindNext, "findNextAction")
        self.find_previous_action = self._action(self.tr("Find &previous"),
                                                 lambda: self.find_bar.find_next(backward=True),
                                                 QKeySequence.StandardKey.FindPrevious, "findPreviousAction")
        self.next_conversation_action = self._action(self.tr("Next conversation"), lambda: self.switch_by(1),
                                                     "Ctrl+Tab", "nextConversationAction")
        self.previous_conversation_action = self._action(self.tr("Previous conversation"),
                                                         lambda: self.switch_by(-1), "Ctrl+Shift+Tab",
                                                         "previousConversationAction")
        for number in range(1, SWITCH_KEYS + 1):
            self._action(self.tr("Conversation {number}").format(number=number),
                         lambda _checked=False, index=number - 1: self.switch_to(index), f"Ctrl+{number}",
                         f"conversation{number}Action")
        view_menu.addAction(self.history_action)
        view_menu.addSeparator()
        view_menu.addActions([self.find_action, self.find_next_action, self.find_previous_action])
        view_menu.addSeparator()
        view_menu.addActions([self.next_conversation_action, self.previous_conversation_action])

        help_menu = self.menuBar().addMenu(self.tr("&Help"))
        self.about_action = self._action(self.tr("&About {app}").format(app=APP_NAME), self.show_about,
                                         name="aboutAction")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.log_folder_action = self._action(self.tr("Open &log folder"), self.open_log_folder,
                                              name="logFolderAction")
        help_menu.addActions([self.about_action, self.log_folder_action])

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
        self.history_action.setChecked(visible)

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

    def start(self) -> asyncio.Future[object]:
        """Called right after show(): the conversations come back (suspended), the engine loads behind them.
        The returned future ends once the shown conversation has started or failed (or the engine is loaded)."""
        if self.store.recovery_message:
            self.view.transcript.model.add_notice(self.store.recovery_message, kind="error")
        self.import_cli_history()
        run_soon(self._show_mcp_count())
        opening = self._restore()
        self.workspace.attach()
        return opening

    def _restore(self) -> asyncio.Future[object]:
        resume = self.options.resume
        placeholders = [view for view in self.stack.views if view.history_id is None and view.controller is None]
        remembered = [] if self.options.smoke_test else self.settings.open_conversations  # it needs a live one
        restored = [self.stack.for_history(history_id) for history_id in remembered]
        views = [view for view in restored if view is not None]
        current = next((v for v in views if v.history_id == self.settings.current_conversation), None)
        if resume is not None:
            current = self.stack.for_history(resume)
            if current is not None:
                self.stack.show_view(current)
                return current.resume()
        if current is None and not views:
            return self.view.open_new()
        self.stack.show_view(current or views[0])
        for view in placeholders:  # the empty composer made when the window was first shown
            if not view.prompt.toPlainText():
                self.stack.remove(view)
                view.deleteLater()
        return self.workspace.attach()

    def _wire(self, view: ConversationView) -> None:
        view.changed.connect(lambda: self._on_view_changed(view))
        view.answer_finished.connect(lambda text: self._on_answer_finished(view, text))
        view.status_message.connect(self.status.showMessage)
        view.link_hovered.connect(self._show_link_target)
        view.link_opened.connect(self._on_link_opened)
        view.history_changed.connect(self._on_history_changed)

    def import_cli_history(self) -> asyncio.Future[None]:
        """The CLI's own sessions, terminal ones included, join the history (incrementally, off the UI thread)."""
        return run_soon(self._import_cli_history())

    async def _import_cli_history(self) -> None:
        home = cli_home(self.workspace.env, Path.home())
        try:
            await asyncio.to_thread(self.store.purge_deleted)
            report = await asyncio.to_thread(import_cli_sessions, self.store, home, self._stop_import.is_set)
        except StoreError as error:
            log.warning("importing gemini CLI history failed: %s", error)
            return
        log.info("gemini CLI history: %d sessions added, %d updated, %d problems", report.sessions_added,
                 report.sessions_updated, len(report.errors))
        if (report.sessions_added or report.sessions_updated) and not self._closing:
            self.history_panel.refresh()

    def connect_engine(self) -> asyncio.Future[object]:
        """Look for gemini again (first-run panel), and give the conversations waiting for it their process."""
        self.missing_panel.hide()
        self.status.set_state("starting")
        attaching = self.workspace.attach()
        for view in self.stack.views:
            if view.controller is None and not view.read_only:
                view.open_new()
        return attaching

    def _on_unavailable(self, problem: GeminiUnavailable) -> None:
        self.missing_panel.show_problem(describe_missing(problem.cause))
        self.status.set_state(NOT_SET_UP)
        for view in self.stack.views:
            view.changed.emit()

    def _show_sign_in(self) -> None:
        sign_in = self.workspace.sign_in
        self.status.set_sign_in(sign_in.summary() if sign_in is not None else "")

    def _on_workspace_attached(self) -> None:
        manager = self.workspace.manager
        assert manager is not None
        manager.activity_changed.connect(self._on_activity)

    def _use_located_gemini(self, path: str) -> None:
        self.settings.gemini_path = path
        self.workspace.forget_gemini_path()
        self.connect_engine()

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
        self.stop_action.setEnabled(view.busy)
        self.restart_action.setEnabled(view.client is not None)
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
            self.history_panel.refresh()

    # ---- user actions

    def send_message(self, text: str) -> None:
        self.view.send_message(text)

    def cancel_turn(self) -> None:
        self.view.cancel_turn()
        self.stop_action.setEnabled(self.view.busy)

    def new_session(self, _checked: bool = False, *, folder: Path | None = None,
                    agent: str | None = None) -> ConversationView:
        """A new conversation with `agent` (None: the default) in the shown one's folder (or `folder`)."""
        view = self.stack.create(folder=folder or self.view.folder)
        view.open_new(agent)
        self.stack.show_view(view)
        return view

    def close_current(self) -> None:
        """Stop the shown conversation's gemini and close it; it stays in the history."""
        view = self.view
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
        self.settings.model = model_id
        self.view.set_model(model_id)

    def show_settings(self) -> None:
        language = self.settings.language or SYSTEM_LANGUAGE  # never set reads as "follow the system"
        dialog = SettingsDialog(self.settings, self, api_address=self.local_api_address,
                                sign_in=self.workspace.sign_in, sign_out=self.workspace.sign_out)
        if not dialog.exec():
            return
        if dialog.wants_sign_in_change:
            self.view.change_sign_in()
        self.workspace.apply_policy()
        self.settings_saved.emit()
        if (self.settings.language or SYSTEM_LANGUAGE) != language:
            self._offer_restart()

    def show_mcp_servers(self) -> asyncio.Future[None]:
        """Settings > MCP servers (also the status bar's MCP entry); a second click finds the page already open."""
        if self._mcp_page is None or self._mcp_page.done():
            self._mcp_page = run_soon(self._manage_mcp_servers())
        return self._mcp_page

    async def _manage_mcp_servers(self) -> None:
        outcome = await manage_mcp_servers(self, self.workspace, self.view.folder)
        if outcome is not None:
            count, warning = outcome
            self.status.set_mcp_count(count)
            if warning:
                self.status.showMessage(warning, 10000)

    async def _show_mcp_count(self) -> None:
        self.status.set_mcp_count(await mcp_server_count(self.workspace, self.view.folder))

    def _offer_restart(self) -> None:
        """Qt builds each widget's text once, so another language needs a restart; the conversation goes on."""
        explanation = self.tr("{app} shows the new language after a restart.").format(app=APP_NAME)
        question = self.tr("Restart now? The conversation continues where it is.")
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Language changed"), f"{explanation}\n\n{question}",
                          parent=self)
        restart = box.addButton(self.tr("Restart now"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restart)
        box.exec()
        if box.clickedButton() is restart:
            self.restart_requested = True
            self.close()

    def toggle_history(self) -> None:
        visible = self.sidebar.isHidden()
        if visible:
            self.import_cli_history()
        self.sidebar.setVisible(visible)
        self.history_action.setChecked(visible)
        self.settings.history_visible = visible

    def show_about(self) -> None:
        QMessageBox.about(self, self.tr("About {app}").format(app=APP_NAME), self.about_text())

    def about_text(self) -> str:
        client = self.client
        gemini = client.agent_version if client is not None else self.tr("not found")
        return self.tr(
            "<b>{app}</b> {version}<br>A desktop chat window for Google's gemini CLI.<br><br>"
            "gemini-cli: {gemini}<br>Qt: {qt}<br>PySide6: {pyside}"
        ).format(app=APP_NAME, version=__version__, gemini=html.escape(gemini or "?"), qt=qVersion(),
                 pyside=PySide6.__version__)

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))

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

    # ---- closing

    def closeEvent(self, event: QCloseEvent) -> None:
        """Close only after every gemini has stopped, so no child process outlives the window."""
        if self._closed:
            event.accept()
            return
        event.ignore()
        if not self._closing:
            self._closing = True
            self.closing.emit()
            self._stop_import.set()
            self._save_state()
            self.hide()
            run_soon(self._shutdown())
            QTimer.singleShot(SHUTDOWN_GRACE_MS, self._abandon_if_stuck)

    async def _shutdown(self) -> None:
        try:
            # Each conversation first ends its turns and saves them, then nothing (the spare neither) survives.
            await asyncio.gather(*(view.shutdown() for view in self.stack.views), return_exceptions=True)
            await self.workspace.shutdown()
            self.missing_panel.installer.cancel()
        finally:
            self._finish_close()

    def _abandon_if_stuck(self) -> None:
        """Last resort when a clean stop hangs: kill every gemini outright, so quitting never leaves one behind."""
        if self._closed:
            return
        pids = self.workspace.process_ids()
        log.error("shutdown did not finish in %d ms; killing gemini (pids %s)", SHUTDOWN_GRACE_MS, pids)
        for pid in pids:
            with contextlib.suppress(OSError):
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        run_soon(self.workspace.shutdown())  # a stopped client does not "recover" from the kill with a new child
        self._finish_close()

    def _finish_close(self) -> None:
        if not self._closed:
            self._closed = True
            self.close()
            self.shut_down.emit()

    @property
    def is_shut_down(self) -> bool:
        return self._closed

    def _save_state(self) -> None:
        self.settings.window_geometry = self.saveGeometry()
        self.settings.splitter_state = self.splitter.saveState()
        if not self.options.smoke_test:  # a check of the app leaves the user's conversations as they were
            opened = [view.history_id for view in self.stack.views if view.history_id is not None]
            self.workspace.remember_open(opened, self.history_id)
        self.settings.sync()


def handed_over_folder(arguments: object) -> Path | None:
    """The folder of a `--cwd FOLDER` hand-over, when it is an existing absolute folder."""
    if not isinstance(arguments, list) or len(arguments) != 2 or arguments[0] != "--cwd":
        return None
    folder = usable_folder(arguments[1]) if isinstance(arguments[1], str) else None
    if folder is None:
        log.warning("a hand-over named no usable folder; only the window is brought to the front")
    return folder
