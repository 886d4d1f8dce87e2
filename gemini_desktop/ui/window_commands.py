"""The window's keyboard extras, kept out of main_window.py: the command palette, the shortcuts sheet and the
transcript zoom (kept in the settings, applied to every conversation's transcript, new ones included)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu

from gemini_desktop.ui.command_palette import CommandPalette, ShortcutsSheet
from gemini_desktop.ui.icons import icon

if TYPE_CHECKING:
    from gemini_desktop.ui.conversation_view import ConversationView
    from gemini_desktop.ui.main_window import MainWindow

MIN_ZOOM, MAX_ZOOM = -5, 10  # the range AppSettings.transcript_zoom keeps


class WindowCommands(QObject):
    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.palette_action = self._action(self.tr("Command palette…"), self.show_palette,
                                           ["Ctrl+Shift+P", "Ctrl+K"], "commandPaletteAction", "command")
        self.shortcuts_action = self._action(self.tr("Keyboard shortcuts"), self.show_shortcuts, ["Ctrl+/"],
                                             "shortcutsAction", "keyboard")
        self.zoom_in_action = self._action(self.tr("Zoom in"), lambda: self.zoom_by(1),
                                           [QKeySequence.StandardKey.ZoomIn, "Ctrl+="], "zoomInAction", "zoom-in")
        self.zoom_out_action = self._action(self.tr("Zoom out"), lambda: self.zoom_by(-1),
                                            [QKeySequence.StandardKey.ZoomOut], "zoomOutAction", "zoom-out")
        self.zoom_reset_action = self._action(self.tr("Actual size"), self.reset_zoom, ["Ctrl+0"],
                                              "zoomResetAction")
        menu = self._view_menu()
        if menu is not None:
            menu.addSeparator()
            menu.addActions([self.zoom_in_action, self.zoom_out_action, self.zoom_reset_action])
            menu.addSeparator()
            menu.addActions([self.palette_action, self.shortcuts_action])
        window.stack.added.connect(self._apply_zoom_to)
        for view in window.stack.views:
            self._apply_zoom_to(view)

    def _action(self, text: str, slot: object, keys: list[QKeySequence.StandardKey | str], name: str,
                icon_name: str = "") -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(name)
        sequences: list[QKeySequence] = []
        for key in keys:
            sequences.extend(QKeySequence.keyBindings(key) if isinstance(key, QKeySequence.StandardKey)
                             else [QKeySequence(key)])
        action.setShortcuts(list(dict.fromkeys(sequences)))
        if icon_name:
            action.setIcon(icon(icon_name))
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    def _view_menu(self) -> QMenu | None:
        """The View menu: the one holding the History toggle."""
        for menu in self.window.menuBar().findChildren(QMenu):
            if self.window.menus.history_action in menu.actions():
                return menu
        return None

    def show_palette(self) -> CommandPalette:
        palette = CommandPalette(self.window)
        palette.open()
        palette.activateWindow()  # without a window manager nobody else gives the dialog the keyboard
        palette.query.setFocus()
        palette.finished.connect(palette.deleteLater)
        return palette

    def show_shortcuts(self) -> ShortcutsSheet:
        sheet = ShortcutsSheet(self.window)
        sheet.open()
        sheet.finished.connect(sheet.deleteLater)
        return sheet

    # ---- zoom

    def zoom_by(self, step: int) -> None:
        self._set_zoom(self.window.settings.transcript_zoom + step)

    def reset_zoom(self) -> None:
        self._set_zoom(0)

    def _set_zoom(self, steps: int) -> None:
        steps = max(MIN_ZOOM, min(MAX_ZOOM, steps))
        self.window.settings.transcript_zoom = steps
        for view in self.window.stack.views:
            self._apply_zoom_to(view)
        self.window.status.showMessage(self.tr("Text size {percent}%").format(percent=100 + 10 * steps), 2000)

    def _apply_zoom_to(self, view: ConversationView) -> None:
        view.transcript.set_zoom(self.window.settings.transcript_zoom)
