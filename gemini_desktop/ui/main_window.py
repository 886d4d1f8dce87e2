"""The chat window: transcript, prompt, status bar, banners, menus; the session controller does the talking.

The window shows at once and gemini starts behind it, so the first message usually finds a warm process.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import importlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import QCoreApplication, Qt, QTimer, QUrl, Signal, qVersion
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QGuiApplication, QKeySequence, QShowEvent
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop import APP_NAME, __version__
from gemini_desktop.conversation import ConversationController, run_soon
from gemini_desktop.engine.cli_sessions import cli_home
from gemini_desktop.engine.events import ModelUpdate, ModeUpdate
from gemini_desktop.engine.locate import GeminiNotFound, GeminiTooOld, find_gemini
from gemini_desktop.engine.types import EngineConfig, EngineError, ResumeOutcome, SessionState, Usage
from gemini_desktop.paths import data_dir, log_dir
from gemini_desktop.settings import AppSettings, LaunchOptions, load_api_key, save_api_key
from gemini_desktop.store import HistoryStore, StoreError, import_cli_sessions
from gemini_desktop.ui.banners import AuthPanel, CrashBanner, GeminiMissingPanel
from gemini_desktop.ui.find_bar import FindBar
from gemini_desktop.ui.history_panel import HistoryPanel
from gemini_desktop.ui.npm_installer import app_install_dir
from gemini_desktop.ui.prompt_input import PromptInput
from gemini_desktop.ui.settings_dialog import SettingsDialog
from gemini_desktop.ui.status_bar import NOT_SET_UP, StatusBar
from gemini_desktop.ui.tool_card import anywhere_shortcut
from gemini_desktop.ui.transcript import TranscriptView, link_target_text

if TYPE_CHECKING:
    from gemini_desktop.engine.client import GeminiSessionClient

log = logging.getLogger(__name__)

ENGINE_CLIENT_MODULE = "gemini_desktop.engine.client"
NOTIFICATION_MS = 8000
SHUTDOWN_GRACE_MS = 8000  # a clean stop takes at most ~5 s (stdin close, terminate, kill)
PROMPT_LINES = 6  # the prompt grows no taller than this; longer text scrolls


async def load_client_class() -> type[GeminiSessionClient]:
    """Import the engine (the ACP SDK's pydantic schema takes seconds) off the UI thread, once."""
    module = sys.modules.get(ENGINE_CLIENT_MODULE)
    if module is None:
        module = await asyncio.to_thread(importlib.import_module, ENGINE_CLIENT_MODULE)
    return module.GeminiSessionClient  # type: ignore[no-any-return]


def describe_missing(error: Exception) -> str:
    if isinstance(error, GeminiTooOld):
        return QCoreApplication.translate(
            "MainWindow", "gemini {version} ({path}) is too old: Gemini Desktop needs gemini {minimum} or newer. "
            "Update it with: {command}").format(
            version=error.version, path=error.path, minimum=error.minimum, command=error.update_command)
    if isinstance(error, GeminiNotFound):
        return QCoreApplication.translate(
            "MainWindow", "Gemini Desktop talks to Google's gemini command-line tool, and it was not found "
            "on this computer.")
    return str(error)


class MainWindow(QMainWindow):
    shut_down = Signal()  # gemini is stopped and the window is closed: the app may exit
    engine_attached = Signal()  # `client` and `controller` exist now

    def __init__(self, store: HistoryStore, settings: AppSettings, options: LaunchOptions | None = None,
                 engine_config: EngineConfig | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.settings = settings
        self.options = options or LaunchOptions()
        self._engine_config = engine_config
        self.controller: ConversationController | None = None
        self._tray: QSystemTrayIcon | None = None
        self._connecting = False
        self._early_messages: list[str] = []
        self._closing = False
        self._closed = False
        self._stop_import = threading.Event()  # set on close: the import stops between files and batches
        self._shown_before = False
        self.restart_requested = False  # the app starts itself again once this window has shut down
        self.setWindowTitle(APP_NAME)
        self.resize(1000, 720)
        self._build_widgets()
        self._build_menus()
        self._restore_geometry()
        self._update_actions()

    # ---- construction

    def _build_widgets(self) -> None:
        self.transcript = TranscriptView(self)
        self.transcript.setObjectName("transcriptView")
        self.transcript.link_clicked.connect(self._on_link_opened)
        self.transcript.link_hovered.connect(self._show_link_target)
        self.prompt = PromptInput(self)
        self.prompt.submitted.connect(self.send_message)
        self.transcript.permission_focus_released.connect(self.prompt.setFocus)
        self.send_button = QPushButton(self.tr("Send"), self)
        self.send_button.setObjectName("sendButton")
        self.send_button.clicked.connect(self.prompt.submit)
        self.stop_button = QPushButton(self.tr("Stop"), self)
        self.stop_button.setObjectName("stopButton")
        self.stop_button.setToolTip(self.tr("Stop the answer (Esc)"))
        self.stop_button.clicked.connect(self.cancel_turn)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        input_row = QHBoxLayout()
        input_row.addWidget(self.prompt, 1)
        input_row.addLayout(buttons)
        self.prompt.setMaximumHeight(self.prompt.fontMetrics().lineSpacing() * PROMPT_LINES + 12)

        chat = QWidget(self)
        chat_layout = QVBoxLayout(chat)
        chat_layout.setContentsMargins(0, 0, 0, 0)
        self.crash_banner = CrashBanner(chat)
        self.crash_banner.restart_requested.connect(self.restart_session)
        self.crash_banner.new_session_requested.connect(self.new_session)
        self.auth_panel = AuthPanel(chat)
        self.auth_panel.api_key_submitted.connect(self._use_api_key)
        self.auth_panel.google_login_requested.connect(self._log_in_with_google)
        self.missing_panel = GeminiMissingPanel(chat)
        self.missing_panel.retry_requested.connect(self.connect_engine)
        self.missing_panel.located.connect(self._use_located_gemini)
        self.missing_panel.installed.connect(lambda _prefix: self.connect_engine())
        for banner in (self.crash_banner, self.auth_panel, self.missing_panel):
            chat_layout.addWidget(banner)
        chat_layout.addWidget(self.transcript, 1)
        self.find_bar = FindBar(self.transcript, chat)
        self.find_bar.closed.connect(self.prompt.setFocus)
        chat_layout.addWidget(self.find_bar)
        chat_layout.addLayout(input_row)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        self.history_panel = HistoryPanel(self.store, self.splitter)
        self.history_panel.resume_requested.connect(self.resume_session)
        self.splitter.addWidget(self.history_panel)
        self.splitter.addWidget(chat)
        self.splitter.setStretchFactor(1, 1)
        self.setCentralWidget(self.splitter)

        self.status = StatusBar(self)
        self.setStatusBar(self.status)
        self.status.model_box.chosen.connect(self._choose_model)
        self.status.mode_box.chosen.connect(self._choose_mode)

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
        self.new_session_action = self._action(self.tr("&New session"), self.new_session, "Ctrl+N",
                                               "newSessionAction")
        self.restart_action = self._action(self.tr("&Restart session"), self.restart_session, "Ctrl+R",
                                           "restartAction")
        self.open_folder_action = self._action(self.tr("&Open folder…"), self.choose_folder,
                                               QKeySequence.StandardKey.Open, "openFolderAction")
        self.copy_markdown_action = self._action(self.tr("&Copy conversation as Markdown"),
                                                 self.copy_conversation, "Ctrl+Shift+C", "copyMarkdownAction")
        self.settings_action = self._action(self.tr("&Settings…"), self.show_settings,
                                            QKeySequence.StandardKey.Preferences, "settingsAction")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.quit_action = self._action(self.tr("&Quit"), self.close, "Ctrl+Q", "quitAction")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        file_menu.addActions([self.new_session_action, self.restart_action, self.open_folder_action])
        file_menu.addSeparator()
        file_menu.addActions([self.copy_markdown_action, self.settings_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

        self.stop_action = self._action(self.tr("Stop answer"), self.cancel_turn, "Esc", "stopAction")
        self.stop_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        for key, text, name in (
                (Qt.Key.Key_Y, self.tr("Allow the permission request once"), "allowOnceAction"),
                (Qt.Key.Key_A, self.tr("Allow the permission request for this session"), "allowAlwaysAction"),
                (Qt.Key.Key_N, self.tr("Reject the permission request"), "rejectRequestAction")):
            self._action(text, lambda _checked=False, answer=key: self.transcript.answer_permission(answer),
                         anywhere_shortcut(key), name)

        view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.history_action = self._action(self.tr("&History"), self.toggle_history, "Ctrl+H", "historyAction")
        self.history_action.setCheckable(True)
        self.find_action = self._action(self.tr("&Find in conversation…"), self.find_bar.open,
                                        QKeySequence.StandardKey.Find, "findAction")
        self.find_next_action = self._action(self.tr("Find &next"), lambda: self.find_bar.find_next(),
                                             QKeySequence.StandardKey.FindNext, "findNextAction")
        self.find_previous_action = self._action(self.tr("Find &previous"),
                                                 lambda: self.find_bar.find_next(backward=True),
                                                 QKeySequence.StandardKey.FindPrevious, "findPreviousAction")
        view_menu.addAction(self.history_action)
        view_menu.addSeparator()
        view_menu.addActions([self.find_action, self.find_next_action, self.find_previous_action])

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
            self.splitter.setSizes([280, 720])
        visible = self.settings.history_visible
        self.history_panel.setVisible(visible)
        self.history_action.setChecked(visible)

    # ---- the engine

    def start(self) -> asyncio.Future[None] | None:
        """Called right after show(): find gemini and start its session behind the visible window."""
        if self.store.recovery_message:
            self.transcript.model.add_notice(self.store.recovery_message, kind="error")
        self.import_cli_history()
        return self.connect_engine()

    def import_cli_history(self) -> asyncio.Future[None]:
        """The CLI's own sessions, terminal ones included, join the history (incrementally, off the UI thread)."""
        return run_soon(self._import_cli_history())

    async def _import_cli_history(self) -> None:
        env = self._engine_config.env if self._engine_config is not None else os.environ
        home = cli_home(env, Path.home())
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

    def connect_engine(self) -> asyncio.Future[None] | None:
        """The returned future ends once the session has started or failed (None: already connecting)."""
        if self.controller is None and not self._connecting:
            self._connecting = True
            return run_soon(self._connect_engine())
        return None

    async def _connect_engine(self) -> None:
        try:
            config = self._engine_config or self._resolve_engine_config()
            if config is None:
                return
            self.missing_panel.hide()
            self.status.set_state(SessionState.STARTING)
            self._update_actions()
            client_class = await load_client_class()
            if self._closing:  # closed while the engine was loading: start nothing that could outlive us
                return
            self._attach_client(client_class(config, self))
        finally:
            self._connecting = False
        self.engine_attached.emit()
        assert self.controller is not None
        for text in self._early_messages:
            self.controller.submit(text)  # queued by the engine until the session is ready
        self._early_messages.clear()
        await self._start_session(with_stored_key=self._engine_config is None)

    async def _start_session(self, *, with_stored_key: bool) -> None:
        assert self.controller is not None
        config = self.controller.client.config
        if with_stored_key and "GEMINI_API_KEY" not in config.env and "GEMINI_API_KEY" not in os.environ:
            # The keyring can be slow (D-Bus, an unlock prompt): never on the UI thread. The engine hands the
            # key to gemini over ACP, so the tools the model runs never see it in their environment.
            self.controller.client.reconfigure(api_key=await asyncio.to_thread(load_api_key) or config.api_key)
        if self._closing:
            return
        resume = self.options.resume
        if resume is not None:
            self.options = dataclasses.replace(self.options, resume=None)  # once: a later Retry starts afresh
            await self.controller.resume(resume)
        else:
            await self.controller.start()

    def _resolve_engine_config(self) -> EngineConfig | None:
        explicit = self.options.gemini or self.settings.gemini_path
        try:
            command = find_gemini(explicit, app_install_dir())
        except (GeminiNotFound, GeminiTooOld, EngineError) as error:
            log.warning("gemini not usable: %s", error)
            self.missing_panel.show_problem(describe_missing(error))
            self.status.set_state(NOT_SET_UP)
            return None
        cwd = self.options.cwd or self.settings.working_dir or Path.home()
        return EngineConfig(gemini=command, cwd=cwd, model=self.options.model or self.settings.model,
                            state_dir=data_dir() / "engine")

    def _attach_client(self, client: GeminiSessionClient) -> None:
        controller = ConversationController(client, self.store, self.transcript.model, self)
        self.transcript.set_model(controller.model, controller.decide)
        self.controller = controller
        controller.state_changed.connect(self._on_state_changed)
        controller.queue_changed.connect(self.status.set_queued)
        controller.choices_changed.connect(self._on_engine_event)
        controller.crashed.connect(self.crash_banner.show_crash)
        controller.auth_required.connect(self._on_auth_required)
        controller.session_started.connect(self._on_session_started)
        controller.stalled.connect(self._on_stalled)
        controller.commands_changed.connect(self.prompt.set_commands)
        controller.usage_changed.connect(self._on_usage)
        controller.answer_finished.connect(self.notify_answer)
        controller.error.connect(lambda message: self.status.showMessage(message, 10000))
        controller.session_changed.connect(self._on_session_changed)
        controller.history_changed.connect(self._on_session_changed)
        self.status.set_folder(client.config.cwd)
        self._update_title()
        self._on_state_changed(client.state)

    @property
    def client(self) -> GeminiSessionClient | None:
        return self.controller.client if self.controller is not None else None

    def _on_state_changed(self, state: str) -> None:
        self.status.set_state(state)
        self._update_actions()

    def _update_actions(self) -> None:
        controller = self.controller
        has_engine = controller is not None
        self.send_button.setEnabled(has_engine or self._connecting)
        self.stop_button.setEnabled(has_engine and controller.busy)  # type: ignore[union-attr]
        self.stop_action.setEnabled(self.stop_button.isEnabled())
        for action in (self.new_session_action, self.restart_action, self.open_folder_action):
            action.setEnabled(has_engine)

    def _on_engine_event(self, event: object) -> None:
        if isinstance(event, ModelUpdate):
            self.status.model_box.set_choices(event.current, event.available)
        elif isinstance(event, ModeUpdate):
            self.status.mode_box.set_choices(event.current, event.available)
        self._update_actions()

    def _on_session_started(self, _outcome: ResumeOutcome) -> None:
        self.crash_banner.hide()
        self.auth_panel.hide()
        client = self.client
        if client is not None:
            self.status.set_folder(client.config.cwd)
            for update, box in ((client.models, self.status.model_box), (client.modes, self.status.mode_box)):
                if update is not None:
                    box.set_choices(update.current, update.available)
        self._update_title()

    def _on_auth_required(self, _methods: object) -> None:
        self.auth_panel.set_status("")
        self.auth_panel.show()

    def _on_stalled(self, seconds: float) -> None:
        self.status.showMessage(
            self.tr("gemini has sent nothing for {seconds:.0f} s; press Stop (Esc) to give up.").format(
                seconds=seconds), 15000)

    def _on_usage(self, last: Usage | None, total: Usage | None) -> None:
        self.status.set_usage(last, total)
        self._update_actions()

    def _on_session_changed(self, store_session_id: int) -> None:
        self._update_actions()
        if store_session_id:
            self.history_panel.refresh()
            self.history_panel.select_session(store_session_id)

    def _update_title(self) -> None:
        client = self.client
        folder = client.config.cwd if client is not None else None
        self.setWindowTitle(f"{APP_NAME} — {folder.name or folder}" if folder else APP_NAME)

    # ---- user actions

    def send_message(self, text: str) -> None:
        if self.controller is not None:
            self.controller.submit(text)
        elif self._connecting:  # the engine is still loading: keep the message and send it right after
            self._early_messages.append(text)
            self.status.showMessage(
                self.tr("Starting gemini… your message will be sent as soon as it is ready."), 5000)
        else:
            self.status.showMessage(self.tr("gemini is not available yet."), 5000)
        self._update_actions()

    def cancel_turn(self) -> None:
        if self.controller is not None:
            self.controller.cancel()
        else:
            self.transcript.reject_pending_permissions()
        self._update_actions()

    def new_session(self) -> None:
        if self.controller is not None:
            self.crash_banner.hide()
            run_soon(self.controller.new_session())

    def restart_session(self) -> None:
        if self.controller is not None:
            self.crash_banner.hide()
            run_soon(self.controller.restart())

    def resume_session(self, store_session_id: int) -> None:
        if self.controller is not None:
            run_soon(self.controller.resume(store_session_id))
        else:
            self.status.showMessage(self.tr("gemini is not available yet."), 5000)

    def choose_folder(self) -> None:
        start = str(self.client.config.cwd) if self.client is not None else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, self.tr("Working folder for a new session"), start)
        if folder:
            self.open_folder(Path(folder))

    def open_folder(self, folder: Path) -> None:
        """The folder applies to a NEW session: gemini's tools work relative to it."""
        self.settings.working_dir = folder
        if self.controller is not None:
            self.status.set_folder(folder)
            run_soon(self.controller.new_session(cwd=folder))

    def copy_conversation(self) -> None:
        QGuiApplication.clipboard().setText(self.transcript.model.to_markdown())
        self.status.showMessage(self.tr("Conversation copied as Markdown."), 4000)

    def show_settings(self) -> None:
        language = self.settings.language
        dialog = SettingsDialog(self.settings, self)
        if dialog.exec() and self.settings.language != language:
            self._offer_restart()

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

    @property
    def history_id(self) -> int | None:
        """The shown conversation's id in the history store, if it has one yet."""
        return self.controller.store_session_id if self.controller is not None else None

    def toggle_history(self) -> None:
        visible = self.history_panel.isHidden()
        if visible:
            self.import_cli_history()
        self.history_panel.setVisible(visible)
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

    def _choose_model(self, model_id: str) -> None:
        if self.controller is None:
            return
        self.settings.model = model_id
        self.controller.remember_model(model_id)
        run_soon(self._guarded_setting(self.controller.client.set_model(model_id)))

    def _choose_mode(self, mode_id: str) -> None:
        if self.controller is not None:
            run_soon(self._guarded_setting(self.controller.client.set_mode(mode_id)))

    async def _guarded_setting(self, change: Awaitable[None]) -> None:
        try:
            await change
        except EngineError as error:
            self.status.showMessage(str(error), 10000)

    def _use_located_gemini(self, path: str) -> None:
        self.settings.gemini_path = path
        self.options = dataclasses.replace(self.options, gemini=None)
        self.connect_engine()

    def _use_api_key(self, key: str) -> None:
        if self.controller is None:
            return
        stored = save_api_key(key)
        self.auth_panel.set_status(
            self.tr("Key saved in the system keyring. Starting gemini…") if stored else
            self.tr("No usable system keyring: the key is used for this run only. Starting gemini…"))
        run_soon(self.controller.use_api_key(key))

    def _log_in_with_google(self) -> None:
        if self.controller is None:
            return
        timeout = self.controller.client.config.auth_timeout
        self.auth_panel.set_status(self.tr(
            "A browser window should open for the Google sign-in. Waiting up to {seconds:.0f} s…").format(
            seconds=timeout))
        run_soon(self._google_login())

    async def _google_login(self) -> None:
        assert self.controller is not None
        if not await self.controller.authenticate("oauth-personal"):
            self.auth_panel.set_status(self.tr("Signing in with Google did not finish. Try again, or use a key."))

    def bring_to_front(self, _arguments: object = None) -> None:
        """Another launch of the app asked for this window (single instance)."""
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def notify_answer(self, text: str) -> None:
        self._update_actions()
        if self.isActiveWindow():
            return
        preview = " ".join(text.split())[:140]
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self.windowIcon(), self)
                self._tray.messageClicked.connect(self.bring_to_front)
            self._tray.show()
            self._tray.showMessage(self.tr("Gemini answered"), preview, QSystemTrayIcon.MessageIcon.Information,
                                   NOTIFICATION_MS)
            QTimer.singleShot(NOTIFICATION_MS * 2, self._tray.hide)  # no lasting tray icon for one message
        else:
            QApplication.alert(self)

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
        """Close only after gemini has stopped, so no child process outlives the window."""
        if self._closed:
            event.accept()
            return
        event.ignore()
        if not self._closing:
            self._closing = True
            self._stop_import.set()
            self._save_geometry()
            self.hide()
            run_soon(self._shutdown())
            QTimer.singleShot(SHUTDOWN_GRACE_MS, self._abandon_if_stuck)

    async def _shutdown(self) -> None:
        try:
            if self.controller is not None:
                await self.controller.shutdown()
            self.missing_panel.installer.cancel()
        finally:
            self._closed = True
            self.close()
            self.shut_down.emit()

    def _abandon_if_stuck(self) -> None:
        """Last resort when a clean stop hangs: kill gemini outright, so quitting never leaves it behind."""
        if self._closed:
            return
        client = self.client
        pid = client.process_id if client is not None else None
        log.error("shutdown did not finish in %d ms; killing gemini (pid %s)", SHUTDOWN_GRACE_MS, pid)
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        if client is not None:  # a stopped client does not "recover" from the kill by starting a new child
            run_soon(client.stop_session(timeout=1.0))
        self._closed = True
        self.close()
        self.shut_down.emit()

    @property
    def is_shut_down(self) -> bool:
        return self._closed

    def _save_geometry(self) -> None:
        self.settings.window_geometry = self.saveGeometry()
        self.settings.splitter_state = self.splitter.saveState()
        self.settings.sync()
