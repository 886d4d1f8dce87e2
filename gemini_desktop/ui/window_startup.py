"""How the window starts, kept out of main_window.py: the remembered conversations come back, the CLI's own
history is imported behind them and the engine is looked for (again from the first-run panel)."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from gemini_desktop.conversation import run_soon
from gemini_desktop.engine.cli_sessions import cli_home
from gemini_desktop.store import StoreError, import_cli_sessions
from gemini_desktop.ui.banners import describe_missing
from gemini_desktop.ui.status_bar import NOT_SET_UP

if TYPE_CHECKING:
    from gemini_desktop.conversation.workspace import GeminiUnavailable, Workspace
    from gemini_desktop.settings import AppSettings, LaunchOptions
    from gemini_desktop.store import HistoryStore
    from gemini_desktop.ui.banners import GeminiMissingPanel
    from gemini_desktop.ui.conversation_stack import ConversationStack
    from gemini_desktop.ui.conversation_view import ConversationView
    from gemini_desktop.ui.sidebar import Sidebar
    from gemini_desktop.ui.status_bar import StatusBar
    from gemini_desktop.ui.window_dialogs import WindowDialogs

log = logging.getLogger(__name__)


class StartupMixin:
    """MainWindow's starting half; the attributes below are the window's."""

    store: HistoryStore
    settings: AppSettings
    options: LaunchOptions
    workspace: Workspace
    stack: ConversationStack
    status: StatusBar
    missing_panel: GeminiMissingPanel
    sidebar: Sidebar
    dialogs: WindowDialogs
    view: ConversationView
    _closing: bool
    _stop_import: threading.Event

    def start(self) -> asyncio.Future[object]:
        """Called right after show(): the conversations come back (suspended), the engine loads behind them.
        The returned future ends once the shown conversation has started or failed (or the engine is loaded)."""
        if self.store.recovery_message:
            self.view.transcript.model.add_notice(self.store.recovery_message, kind="error")
        self.import_cli_history()
        run_soon(self.dialogs.show_mcp_count())
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
            self.sidebar.refresh()

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
