"""The window's menus and the actions behind them (and their shortcuts), kept out of main_window.py.

Every action is the window's child and acts on the window, so the command palette, the tray and the tests find
them by object name or through `window.menus`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence

from gemini_desktop import APP_NAME
from gemini_desktop.ui.agent_menu import AgentMenu
from gemini_desktop.ui.tool_card import anywhere_shortcut

if TYPE_CHECKING:
    from gemini_desktop.ui.main_window import MainWindow

SWITCH_KEYS = 9  # Ctrl+1 .. Ctrl+9


class WindowMenus(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._build_file_menu()
        self._build_answer_actions()
        self._build_view_menu()
        self._build_help_menu()

    def _action(self, text: str, slot: object, shortcut: QKeySequence | str | None = None,
                name: str | None = None) -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if name:
            action.setObjectName(name)
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    def _build_file_menu(self) -> None:
        window = self.window
        file_menu = window.menuBar().addMenu(self.tr("&File"))
        self.new_session_action = self._action(self.tr("&New conversation"), window.new_session, "Ctrl+N",
                                               "newSessionAction")
        self.new_session_action.setShortcuts([QKeySequence("Ctrl+N"), QKeySequence("Ctrl+T")])
        self.close_conversation_action = self._action(self.tr("&Close conversation"), window.close_current,
                                                      "Ctrl+W", "closeConversationAction")
        self.restart_action = self._action(self.tr("&Restart session"), window.restart_session, "Ctrl+R",
                                           "restartAction")
        self.open_folder_action = self._action(self.tr("&Open folder…"), window.choose_folder,
                                               QKeySequence.StandardKey.Open, "openFolderAction")
        self.copy_markdown_action = self._action(self.tr("&Copy conversation as Markdown"),
                                                 window.copy_conversation, "Ctrl+Shift+C", "copyMarkdownAction")
        self.settings_action = self._action(self.tr("&Settings…"), window.show_settings,
                                            QKeySequence.StandardKey.Preferences, "settingsAction")
        self.settings_action.setMenuRole(QAction.MenuRole.PreferencesRole)
        self.mcp_action = self._action(self.tr("&MCP servers…"), window.show_mcp_servers, None,
                                       "mcpServersAction")
        self.quit_action = self._action(self.tr("&Quit"), window.close, "Ctrl+Q", "quitAction")
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        file_menu.addActions([self.new_session_action, self.open_folder_action, self.close_conversation_action,
                              self.restart_action])
        self.agent_menu = AgentMenu(window, file_menu, before=self.open_folder_action)
        file_menu.addSeparator()
        file_menu.addActions([self.copy_markdown_action, self.settings_action, self.mcp_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)

    def _build_answer_actions(self) -> None:
        """Stop and the permission answers: window-wide keys, in no menu (the view shows their buttons)."""
        window = self.window
        self.stop_action = self._action(self.tr("Stop answer"), window.cancel_turn, "Esc", "stopAction")
        self.stop_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        for key, text, name in (
                (Qt.Key.Key_Y, self.tr("Allow the permission request once"), "allowOnceAction"),
                (Qt.Key.Key_A, self.tr("Allow the permission request for this session"), "allowAlwaysAction"),
                (Qt.Key.Key_N, self.tr("Reject the permission request"), "rejectRequestAction")):
            self._action(text, lambda _checked=False, answer=key: window.view.answer_permission(answer),
                         anywhere_shortcut(key), name)

    def _build_view_menu(self) -> None:
        window = self.window
        view_menu = window.menuBar().addMenu(self.tr("&View"))
        self.history_action = self._action(self.tr("&History"), window.toggle_history, "Ctrl+H", "historyAction")
        self.history_action.setCheckable(True)
        self.find_action = self._action(self.tr("&Find in conversation…"), lambda: window.find_bar.open(),
                                        QKeySequence.StandardKey.Find, "findAction")
        self.find_next_action = self._action(self.tr("Find &next"), lambda: window.find_bar.find_next(),
                                             QKeySequence.StandardKey.FindNext, "findNextAction")
        self.find_previous_action = self._action(self.tr("Find &previous"),
                                                 lambda: window.find_bar.find_next(backward=True),
                                                 QKeySequence.StandardKey.FindPrevious, "findPreviousAction")
        self.next_conversation_action = self._action(self.tr("Next conversation"), lambda: window.switch_by(1),
                                                     "Ctrl+Tab", "nextConversationAction")
        self.previous_conversation_action = self._action(self.tr("Previous conversation"),
                                                         lambda: window.switch_by(-1), "Ctrl+Shift+Tab",
                                                         "previousConversationAction")
        for number in range(1, SWITCH_KEYS + 1):
            self._action(self.tr("Conversation {number}").format(number=number),
                         lambda _checked=False, index=number - 1: window.switch_to(index), f"Ctrl+{number}",
                         f"conversation{number}Action")
        view_menu.addAction(self.history_action)
        view_menu.addSeparator()
        view_menu.addActions([self.find_action, self.find_next_action, self.find_previous_action])
        view_menu.addSeparator()
        view_menu.addActions([self.next_conversation_action, self.previous_conversation_action])

    def _build_help_menu(self) -> None:
        window = self.window
        help_menu = window.menuBar().addMenu(self.tr("&Help"))
        self.about_action = self._action(self.tr("&About {app}").format(app=APP_NAME), window.dialogs.show_about,
                                         name="aboutAction")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.log_folder_action = self._action(self.tr("Open &log folder"), window.dialogs.open_log_folder,
                                              name="logFolderAction")
        help_menu.addActions([self.about_action, self.log_folder_action])
