"""The messages waiting behind the running turn, above the composer: edit, reorder, remove, or "Send now".

The model's queue is the one copy; each change goes through the controller, which changes what the engine will
send, and the panel redraws from the model (rows are kept while their order stays, so typing is not disturbed).
"""

from __future__ import annotations

from PySide6.QtWidgets import QFrame, QHBoxLayout, QPlainTextEdit, QToolButton, QVBoxLayout, QWidget

from gemini_desktop.conversation import ConversationController

EDITOR_LINES = 2


class QueueRow(QFrame):
    """One waiting message: its text, editable in place, and its buttons."""

    def __init__(self, controller: ConversationController, key: int, text: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("queuedMessage")
        self.key = key
        self._controller = controller
        self.editor = QPlainTextEdit(text, self)
        self.editor.setObjectName("queuedText")
        self.editor.setFixedHeight(self.editor.fontMetrics().lineSpacing() * EDITOR_LINES + 12)
        self.editor.setToolTip(self.tr("Edit the message before it is sent"))
        self.editor.textChanged.connect(self._edited)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.editor, 1)
        self.buttons: dict[str, QToolButton] = {}
        for name, label, tip in (
                ("up", "↑", self.tr("Send earlier")), ("down", "↓", self.tr("Send later")),
                ("send_now", self.tr("Send now"), self.tr("Stop the running answer and send this message now")),
                ("remove", "✕", self.tr("Remove this message"))):
            button = QToolButton(self)
            button.setObjectName(f"queued_{name}")
            button.setText(label)
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            layout.addWidget(button)
            self.buttons[name] = button
        self.buttons["up"].clicked.connect(lambda: self._move(-1))
        self.buttons["down"].clicked.connect(lambda: self._move(1))
        self.buttons["send_now"].clicked.connect(lambda: controller.send_now(key))
        self.buttons["remove"].clicked.connect(lambda: controller.remove_queued(key))

    def _edited(self) -> None:
        text = self.editor.toPlainText()
        if text.strip():  # an emptied message keeps its last text; Remove takes it back
            self._controller.edit_queued(self.key, text)

    def _move(self, step: int) -> None:
        keys = self._controller.model.queue.keys()
        if self.key in keys:
            self._controller.move_queued(self.key, keys.index(self.key) + step)

    def show_text(self, text: str) -> None:
        if self.editor.toPlainText() != text:
            self.editor.blockSignals(True)
            self.editor.setPlainText(text)
            self.editor.blockSignals(False)


class QueuePanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queuePanel")
        self._controller: ConversationController | None = None
        self.rows: list[QueueRow] = []
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 0, 4, 0)
        self._layout.setSpacing(2)
        self.hide()

    def set_controller(self, controller: ConversationController) -> None:
        if self._controller is not None:
            self._controller.model.queue.unsubscribe(self.refresh)
        self._controller = controller
        controller.model.queue.subscribe(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        controller = self._controller
        items = list(controller.model.queue.items) if controller is not None else []
        if controller is not None and [row.key for row in self.rows] != [item.message for item in items]:
            for row in self.rows:
                row.setParent(None)
                row.deleteLater()
            self.rows = [QueueRow(controller, item.message, item.text, self) for item in items]
            for row in self.rows:
                self._layout.addWidget(row)
        for row, item in zip(self.rows, items, strict=False):
            row.show_text(item.text)
            row.buttons["up"].setEnabled(row is not self.rows[0])
            row.buttons["down"].setEnabled(row is not self.rows[-1])
        self.setVisible(bool(items))
