"""The window's dialogs, kept out of main_window.py: Settings (and the restart a new language needs), the MCP
servers page, About and the log folder."""

from __future__ import annotations

import asyncio
import html
from typing import TYPE_CHECKING

import PySide6
import shiboken6
from PySide6.QtCore import QObject, QUrl, qVersion
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QMessageBox

from gemini_desktop import APP_NAME, __version__
from gemini_desktop.conversation import run_soon
from gemini_desktop.i18n import SYSTEM_LANGUAGE
from gemini_desktop.paths import log_dir
from gemini_desktop.ui.mcp_dialog import manage_mcp_servers, mcp_server_count
from gemini_desktop.ui.settings_dialog import SettingsDialog

if TYPE_CHECKING:
    from gemini_desktop.ui.main_window import MainWindow


class WindowDialogs(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._mcp_page: asyncio.Future[None] | None = None

    def show_settings(self) -> None:
        window = self.window
        language = window.settings.language or SYSTEM_LANGUAGE  # never set reads as "follow the system"
        dialog = SettingsDialog(window.settings, window, api_address=window.local_api_address,
                                sign_in=window.workspace.sign_in, sign_out=window.workspace.sign_out)
        if not dialog.exec():
            return
        if dialog.agents_page.saved_custom is not None:
            window.workspace.agent_setups.use_custom(dialog.agents_page.saved_custom)
        if not dialog.agents_page.custom_saved_in_keyring:
            window.status.showMessage(self.tr("No usable system keyring: the custom agent's environment values "
                                              "last for this run only."), 10000)
        if dialog.wants_sign_in_change:
            window.view.change_sign_in()
        window.workspace.apply_policy()
        window.settings_saved.emit()
        if (window.settings.language or SYSTEM_LANGUAGE) != language:
            self._offer_restart()

    def show_mcp_servers(self) -> asyncio.Future[None]:
        """Settings > MCP servers (also the status bar's MCP entry); a second click finds the page already open."""
        if self._mcp_page is None or self._mcp_page.done():
            self._mcp_page = run_soon(self._manage_mcp_servers())
        return self._mcp_page

    async def _manage_mcp_servers(self) -> None:
        window = self.window
        outcome = await manage_mcp_servers(window, window.workspace, window.view.folder)
        if outcome is not None:
            count, warning = outcome
            window.status.set_mcp_count(count)
            if warning:
                window.status.showMessage(warning, 10000)

    async def show_mcp_count(self) -> None:
        """The servers are read off the UI thread: by then the window may be gone (a quick quit, a smoke run)."""
        window = self.window
        count = await mcp_server_count(window.workspace, window.view.folder)
        if shiboken6.isValid(window) and shiboken6.isValid(window.status):
            window.status.set_mcp_count(count)

    def _offer_restart(self) -> None:
        """Qt builds each widget's text once, so another language needs a restart; the conversation goes on."""
        explanation = self.tr("{app} shows the new language after a restart.").format(app=APP_NAME)
        question = self.tr("Restart now? The conversation continues where it is.")
        box = QMessageBox(QMessageBox.Icon.Question, self.tr("Language changed"), f"{explanation}\n\n{question}",
                          parent=self.window)
        restart = box.addButton(self.tr("Restart now"), QMessageBox.ButtonRole.AcceptRole)
        box.addButton(self.tr("Later"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(restart)
        box.exec()
        if box.clickedButton() is restart:
            self.window.restart_requested = True
            self.window.close()

    def show_about(self) -> None:
        QMessageBox.about(self.window, self.tr("About {app}").format(app=APP_NAME), self.about_text())

    def about_text(self) -> str:
        client = self.window.client
        gemini = client.agent_version if client is not None else self.tr("not found")
        return self.tr(
            "<b>{app}</b> {version}<br>A desktop chat window for Google's gemini CLI.<br><br>"
            "gemini-cli: {gemini}<br>Qt: {qt}<br>PySide6: {pyside}"
        ).format(app=APP_NAME, version=__version__, gemini=html.escape(gemini or "?"), qt=qVersion(),
                 pyside=PySide6.__version__)

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(log_dir())))
