"""A small bar of icon buttons over the message under the mouse: the same actions as its context menu (copy as
Markdown or plain text, retry the last answer, edit and resend one of mine, undo or redo the turn's changes).

Keyboard: Alt+A in the transcript opens the bar on the message under the mouse, or the one at the bottom of the
visible part, with its first button focused; Left/Right (or Tab) move between the buttons, Enter or Space runs
one, Esc closes the bar and gives the keyboard back to the transcript. The bar lives on the document's viewport and
follows the message's header as the transcript scrolls; what it offers is decided by `message_menu`.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtGui import QCursor, QGuiApplication, QKeyEvent, QMouseEvent, QTextCursor
from PySide6.QtWidgets import QFrame, QHBoxLayout, QTextBrowser, QToolButton

from gemini_desktop.conversation import ConversationModel
from gemini_desktop.ui.icons import icon
from gemini_desktop.ui.transcript.message_menu import message_actions, message_header_at, run_message_action

MARGIN = 8  # from the viewport's right edge
KEYBOARD_KEY = Qt.Key.Key_A  # with Alt


class MessageActionBar(QFrame):
    """The hover bar of one transcript; `act(name, key)` runs what is not a copy (retry, edit, undo, redo)."""

    def __init__(self, browser: QTextBrowser, model: Callable[[], ConversationModel],
                 act: Callable[[str, int], None]) -> None:
        super().__init__(browser.viewport())
        self.setObjectName("messageActionBar")
        self.setAccessibleName(self.tr("Message actions"))
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self._browser = browser
        self._model = model
        self._act = act
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(2, 2, 2, 2)
        self._layout.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        self.key: int | None = None
        self._header = 0  # where the message's header is in the document
        browser.viewport().setMouseTracking(True)
        browser.viewport().installEventFilter(self)
        browser.installEventFilter(self)
        browser.verticalScrollBar().valueChanged.connect(lambda _value: self._place())
        self.hide()

    # --- following the mouse ---

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._browser.viewport():
            if event.type() == QEvent.Type.MouseMove and isinstance(event, QMouseEvent):
                self.show_at(event.position().toPoint())
            elif event.type() == QEvent.Type.Leave and not self._has_keyboard():
                self.hide()
        elif (watched is self._browser and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent)
              and event.key() == KEYBOARD_KEY and event.modifiers() == Qt.KeyboardModifier.AltModifier):
            self.open_by_keyboard()
            return True
        elif watched in self.buttons.values() and event.type() == QEvent.Type.KeyPress and isinstance(
                event, QKeyEvent):
            return self._key_in_bar(watched, event)
        return False

    def show_at(self, point: QPoint) -> None:
        """Offer the actions of the message at `point` (viewport coordinates); none there: hide."""
        if self.childAt(self.mapFrom(self._browser.viewport(), point)) is not None and self.isVisible():
            return  # the mouse is on the bar itself
        found = message_header_at(self._browser.document(), self._browser.cursorForPosition(point).position())
        if found is None:
            self.hide()
            return
        key, self._header = found
        if key != self.key or not self.buttons:
            self._offer(key)
        self._place()

    def _offer(self, key: int) -> None:
        for button in self.buttons.values():
            self._layout.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        self.key = key
        model = self._model()
        for action in message_actions(model, key):
            button = QToolButton(self)
            button.setObjectName(f"messageAction-{action.name}")
            button.setIcon(icon(action.icon))
            button.setToolTip(action.label)
            button.setAccessibleName(action.label.rstrip("…"))
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.clicked.connect(lambda _checked=False, name=action.name: self._run(name))
            button.installEventFilter(self)
            self._layout.addWidget(button)
            self.buttons[action.name] = button
        self.adjustSize()

    def _run(self, name: str) -> None:
        key, self.key = self.key, None  # offered afresh next time: an undo becomes a redo
        if key is not None:
            run_message_action(self._model(), key, name, QGuiApplication.clipboard().setText, self._act)

    def _place(self) -> None:
        if not self.buttons:
            self.hide()
            return
        cursor = QTextCursor(self._browser.document())
        cursor.setPosition(min(self._header, self._browser.document().characterCount() - 1))
        top = max(0, self._browser.cursorRect(cursor).top() - 2)
        viewport = self._browser.viewport()
        if top > viewport.height() - self.height():
            self.hide()
            return
        self.move(viewport.width() - self.width() - MARGIN, top)
        self.raise_()
        self.show()

    # --- the keyboard ---

    def _has_keyboard(self) -> bool:
        return any(button.hasFocus() for button in self.buttons.values())

    def open_by_keyboard(self) -> None:
        viewport = self._browser.viewport()
        self.key = None
        pointer = viewport.mapFromGlobal(QCursor.pos())
        if viewport.rect().contains(pointer):
            self.show_at(pointer)
        if not self.isVisible():  # the pointer is elsewhere, or over no message: the lowest one in sight
            self.show_at(QPoint(viewport.width() // 2, max(0, viewport.height() - 24)))
        if self.isVisible() and self.buttons:
            next(iter(self.buttons.values())).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _key_in_bar(self, watched: QObject, event: QKeyEvent) -> bool:
        """Esc closes the bar, Left/Right go round its buttons (a button would leave the bar on an arrow)."""
        buttons = list(self.buttons.values())
        if event.key() == Qt.Key.Key_Escape:
            self.hide()
            self._browser.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        if event.key() in (Qt.Key.Key_Left, Qt.Key.Key_Right) and watched in buttons:
            step = 1 if event.key() == Qt.Key.Key_Right else -1
            buttons[(buttons.index(watched) + step) % len(buttons)].setFocus(Qt.FocusReason.TabFocusReason)
            return True
        return False
