"""The message box: Enter sends, Shift+Enter breaks the line, Up/Down walk through sent messages.

Esc (stop the turn) is a window action, so it works wherever the focus is.

Slash commands the agent announces complete in a popup once the text starts with "/".
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QMimeData, QStringListModel, Qt, Signal
from PySide6.QtGui import QKeyEvent, QTextCursor
from PySide6.QtWidgets import QCompleter, QPlainTextEdit, QWidget

from gemini_desktop.engine.events import SlashCommand

COMPLETER_KEYS = {Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backtab}


class PromptInput(QPlainTextEdit):
    submitted = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptInput")
        self.setPlaceholderText(self.tr("Message Gemini — Enter to send, Shift+Enter for a new line"))
        self.setTabChangesFocus(True)
        self._sent: list[str] = []
        self._recall_index: int | None = None
        self._commands_model = QStringListModel(self)
        self._completer = QCompleter(self._commands_model, self)
        self._completer.setWidget(self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self._completer.activated.connect(self._insert_command)
        self.textChanged.connect(self._update_completion)

    @property
    def completer(self) -> QCompleter:
        return self._completer

    def set_commands(self, commands: Sequence[SlashCommand]) -> None:
        self._commands_model.setStringList(sorted(f"/{c.name.lstrip('/')}" for c in commands))

    def sent_history(self) -> list[str]:
        return list(self._sent)

    def submit(self) -> None:
        text = self.toPlainText()
        if not text.strip():
            return
        self._sent.append(text)
        self._recall_index = None
        self.clear()
        self.submitted.emit(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if self._completer.popup().isVisible() and key in COMPLETER_KEYS:
            event.ignore()  # the popup takes these
            return
        plain_enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier)
        )
        if plain_enter:
            self.submit()
        elif key == Qt.Key.Key_Up and self._recall_allowed():
            self._recall(-1)
        elif key == Qt.Key.Key_Down and self._recall_index is not None:
            self._recall(+1)
        else:
            super().keyPressEvent(event)

    def _recall_allowed(self) -> bool:
        if not self._sent:
            return False
        text = self.toPlainText()
        return not text or (self._recall_index is not None and text == self._sent[self._recall_index])

    def _recall(self, step: int) -> None:
        index = len(self._sent) if self._recall_index is None else self._recall_index
        index = max(0, index + step)
        if index >= len(self._sent):
            self._recall_index = None
            self.clear()
            return
        self._recall_index = index
        self.setPlainText(self._sent[index])
        self.moveCursor(QTextCursor.MoveOperation.End)

    def insertFromMimeData(self, source: QMimeData) -> None:
        """Paste plain text only: rich clipboard content would otherwise be parsed as HTML."""
        if source.hasText():
            self.insertPlainText(source.text())

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return source.hasText()

    def _update_completion(self) -> None:
        """Runs on every keystroke, so it looks at the first line only, never the whole (maybe huge) text."""
        document = self.document()
        text = document.firstBlock().text() if document.blockCount() == 1 else ""
        is_command_word = text.startswith("/") and not any(ch.isspace() for ch in text)
        if not is_command_word or not self._commands_model.rowCount():
            self._completer.popup().hide()
            return
        self._completer.setCompletionPrefix(text)
        if self._completer.completionCount() == 0:
            self._completer.popup().hide()
            return
        rect = self.cursorRect()
        rect.setWidth(max(240, self._completer.popup().sizeHintForColumn(0) + 24))
        self._completer.complete(rect)

    def _insert_command(self, command: str) -> None:
        self.setPlainText(command + " ")
        self.moveCursor(QTextCursor.MoveOperation.End)
