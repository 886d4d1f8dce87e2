"""Find in the conversation: a bar under the transcript, as in a browser (Ctrl+F opens it, Esc closes it)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from gemini_desktop.ui.transcript import TranscriptView


class _FindField(QLineEdit):
    """Enter finds the next match, Shift+Enter the previous one, Esc closes the bar (before the window's Esc,
    which stops the answer, can take it)."""

    def __init__(self, bar: FindBar) -> None:
        super().__init__(bar)
        self._bar = bar

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Escape:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self._bar.close_bar()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._bar.find_next(backward=bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        else:
            super().keyPressEvent(event)


class FindBar(QWidget):
    closed = Signal()  # the window gives the focus back to the prompt

    def __init__(self, transcript: TranscriptView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findBar")
        self._transcript = transcript
        self.field = _FindField(self)
        self.field.setObjectName("findField")
        self.field.setPlaceholderText(self.tr("Find in this conversation"))
        self.field.setAccessibleName(self.tr("Find in this conversation"))
        self.field.setClearButtonEnabled(True)
        self.field.textChanged.connect(lambda _text: self._search(again=False))
        previous = self._button("▲", self.tr("Previous match (Shift+Enter)"), "findPrevious")
        previous.clicked.connect(lambda: self.find_next(backward=True))
        following = self._button("▼", self.tr("Next match (Enter)"), "findNext")
        following.clicked.connect(lambda: self.find_next())
        close = self._button("✕", self.tr("Close the find bar (Esc)"), "findClose")
        close.clicked.connect(self.close_bar)
        self.status = QLabel(self)
        self.status.setObjectName("findStatus")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.addWidget(self.field, 1)
        layout.addWidget(previous)
        layout.addWidget(following)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.hide()

    def _button(self, text: str, tip: str, name: str) -> QToolButton:
        button = QToolButton(self)
        button.setText(text)
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setObjectName(name)
        return button

    def open(self) -> None:
        self.show()
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()
        if self.field.text():
            self._search(again=False)

    def find_next(self, *, backward: bool = False) -> None:
        if self.isHidden():
            self.open()
        else:
            self._search(again=True, backward=backward)

    def close_bar(self) -> None:
        self._transcript.end_find()
        self.hide()
        self.closed.emit()

    def _search(self, *, again: bool, backward: bool = False) -> None:
        text = self.field.text()
        current, total = self._transcript.find(text, backward=backward, again=again)
        if not text:
            shown = ""
        elif total:
            shown = self.tr("{current} of {total}").format(current=current, total=total)
        else:
            shown = self.tr("No matches")
        self.status.setText(shown)
