"""How the window closes, kept out of main_window.py: only after every gemini has stopped (killed outright when a
clean stop hangs), with the window's geometry and open conversations saved first."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QCloseEvent

from gemini_desktop.conversation import run_soon

if TYPE_CHECKING:
    from PySide6.QtCore import SignalInstance
    from PySide6.QtWidgets import QSplitter

    from gemini_desktop.conversation.workspace import Workspace
    from gemini_desktop.settings import AppSettings, LaunchOptions
    from gemini_desktop.ui.banners import GeminiMissingPanel
    from gemini_desktop.ui.conversation_stack import ConversationStack

log = logging.getLogger(__name__)

SHUTDOWN_GRACE_MS = 8000  # a clean stop takes at most ~5 s (stdin close, terminate, kill)


class ClosingMixin:
    """MainWindow's closing half; the attributes below are the window's."""

    settings: AppSettings
    options: LaunchOptions
    workspace: Workspace
    stack: ConversationStack
    splitter: QSplitter
    missing_panel: GeminiMissingPanel
    history_id: int | None
    closing: SignalInstance
    shut_down: SignalInstance
    _closing: bool
    _closed: bool
    _stop_import: threading.Event

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

