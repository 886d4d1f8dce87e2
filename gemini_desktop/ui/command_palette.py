"""The command palette (Ctrl+Shift+P, Ctrl+K) and the keyboard shortcuts sheet (Ctrl+/).

Both list the window's own QActions, so a new action shows up in them by being added to the window: nothing
here keeps a second list of commands that could fall out of step with the menus.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


@dataclass(frozen=True)
class Command:
    action: QAction
    text: str  # without the menu's & mnemonics
    shortcut: str  # every shortcut, in the platform's own notation ("" when none)


def plain_text(action: QAction) -> str:
    """The action's label as it reads: "&&" is a literal ampersand, a single "&" marks the mnemonic."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…").strip()


def commands(window: QWidget) -> list[Command]:
    """Every named action of `window` that has a label, in the order they were added, each once."""
    seen: set[int] = set()
    result = []
    for action in window.findChildren(QAction):
        if id(action) in seen or action.isSeparator() or not plain_text(action) or action.menu() is not None:
            continue
        seen.add(id(action))
        shortcut = ", ".join(key.toString(QKeySequence.SequenceFormat.NativeText) for key in action.shortcuts())
        result.append(Command(action, plain_text(action), shortcut))
    return result


def match_score(query: str, text: str) -> int | None:
    """How well `query` matches `text` (lower is better), None when it does not: a substring beats the
    letters in order ("nc" finds "New conversation"), and an earlier substring beats a later one."""
    query, text = query.casefold().strip(), text.casefold()
    if not query:
        return 0
    found = text.find(query)
    if found >= 0:
        return found
    position, gaps = 0, 0
    for letter in query:
        if letter == " ":
            continue
        found = text.find(letter, position)
        if found < 0:
            return None
        gaps += found - position
        position = found + 1
    return 1000 + gaps


def search(items: list[Command], query: str) -> list[Command]:
    scored = [(score, index, item) for index, item in enumerate(items)
              if (score := min((s for s in (match_score(query, item.text), match_score(query, item.shortcut))
                                if s is not None), default=None)) is not None]
    return [item for _score, _index, item in sorted(scored, key=lambda row: (row[0], row[1]))]


class CommandPalette(QDialog):
    """Type to filter, Up/Down to choose, Enter runs the command (after the palette has closed)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("commandPalette")
        self.setWindowTitle(self.tr("Command palette"))
        self.setAccessibleName(self.tr("Command palette"))
        self._commands = [c for c in commands(window) if c.action.isEnabled()]
        self.query = QLineEdit(self)
        self.query.setObjectName("commandQuery")
        self.query.setPlaceholderText(self.tr("Type a command…"))
        self.query.setAccessibleName(self.tr("Search commands"))
        self.query.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setObjectName("commandList")
        self.list.setAccessibleName(self.tr("Commands"))
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays in the search field
        layout = QVBoxLayout(self)
        layout.addWidget(self.query)
        layout.addWidget(self.list)
        self.resize(520, 380)
        self.query.textChanged.connect(self._filter)
        self.query.installEventFilter(self)
        self.query.returnPressed.connect(self.accept)
        self.list.itemActivated.connect(lambda _item: self.accept())
        self.list.itemClicked.connect(lambda _item: self.accept())
        self._filter("")

    def shown(self) -> list[Command]:
        return [self.list.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.list.count())]

    def _filter(self, query: str) -> None:
        self.list.clear()
        for command in search(self._commands, query):
            label = f"{command.text}\t{command.shortcut}" if command.shortcut else command.text
            item = QListWidgetItem(label, self.list)
            item.setData(Qt.ItemDataRole.UserRole, command)
            item.setToolTip(command.shortcut)
        self.list.setCurrentRow(0)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Up/Down move in the list while typing goes on in the field."""
        if (watched is self.query and isinstance(event, QKeyEvent) and event.type() == QEvent.Type.KeyPress
                and event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)):
            self.list.event(event)
            return True
        return super().eventFilter(watched, event)

    def chosen(self) -> Command | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def accept(self) -> None:
        """Close first, then run: a command that opens a dialog of its own does not stack it on the palette."""
        command = self.chosen()
        super().accept()
        if command is not None and command.action.isEnabled():
            command.action.trigger()


class ShortcutsSheet(QDialog):
    """Every action that has a keyboard shortcut, with the shortcut, in a table to read."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("shortcutsSheet")
        self.setWindowTitle(self.tr("Keyboard shortcuts"))
        rows = [c for c in commands(window) if c.shortcut]
        self.table = QTableWidget(len(rows), 2, self)
        self.table.setObjectName("shortcutsTable")
        self.table.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.table.setHorizontalHeaderLabels([self.tr("Command"), self.tr("Shortcut")])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        for row, command in enumerate(rows):
            self.table.setItem(row, 0, QTableWidgetItem(command.text))
            self.table.setItem(row, 1, QTableWidgetItem(command.shortcut))
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
        self.resize(560, 520)
