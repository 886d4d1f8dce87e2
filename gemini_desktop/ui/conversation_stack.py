"""The open conversations' views, in sidebar order: which one is shown, which have news for the user, and the
desktop notification that brings one of them on screen."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QStackedWidget, QSystemTrayIcon, QWidget

from gemini_desktop.conversation.open_conversations import OpenConversations
from gemini_desktop.conversation.sidebar_rows import OpenRow
from gemini_desktop.ui.conversation_view import ConversationView

NOTIFICATION_MS = 8000


class ConversationStack(QStackedWidget):
    added = Signal(object)  # a new ConversationView: the shell wires it
    shown = Signal(object)  # the ConversationView now on screen (its composer has the keyboard)
    rows_changed = Signal()  # order, activity, titles or unread marks changed: the sidebar refreshes

    def __init__(self, conversations: OpenConversations, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conversationStack")
        self._conversations = conversations
        self.views: list[ConversationView] = []
        self._unread: set[ConversationView] = set()

    @property
    def current(self) -> ConversationView:
        view = self.currentWidget()
        if not isinstance(view, ConversationView):  # before anything opened: an empty conversation to type into
            view = self.create()
        return view

    def create(self, *, folder: Path | None = None, history_id: int | None = None) -> ConversationView:
        view = ConversationView(self._conversations, folder=folder, history_id=history_id, parent=self)
        return self._add(view)

    def _add(self, view: ConversationView) -> ConversationView:
        self.views.append(view)
        self.addWidget(view)
        view.changed.connect(self.rows_changed)
        self.added.emit(view)
        self.rows_changed.emit()
        return view

    def for_history(self, history_id: int, *, shown_from_message: int | None = None,
                    find: str = "") -> ConversationView | None:
        """The open view of that conversation, or a new read-only one (None when it is not in the history)."""
        existing = next((view for view in self.views if view.history_id == history_id), None)
        if existing is not None:
            return existing
        view = ConversationView(self._conversations, history_id=history_id, parent=self)
        if not view.show_history(shown_from_message=shown_from_message, find=find):
            view.deleteLater()
            return None
        return self._add(view)

    def find_key(self, key: str) -> ConversationView | None:
        return next((view for view in self.views if view.key == key), None)

    def show_view(self, view: ConversationView) -> None:
        """Bring a conversation on screen; its composer gets the keyboard and its news are read."""
        self.setCurrentWidget(view)
        self._unread.discard(view)
        manager = self._conversations.workspace.manager
        if view.key is not None and manager is not None:
            manager.touch(view.key)
        self.rows_changed.emit()
        self.shown.emit(view)
        view.prompt.setFocus()

    def switch_by(self, step: int) -> None:
        if self.views:
            self.show_view(self.views[(self.views.index(self.current) + step) % len(self.views)])

    def switch_to(self, index: int) -> None:
        if 0 <= index < len(self.views):
            self.show_view(self.views[index])

    def remove(self, view: ConversationView) -> None:
        """Take a view off screen (its conversation is closed separately); the neighbour is shown."""
        index, was_shown = self.views.index(view), view is self.currentWidget()
        self.views.remove(view)
        self._unread.discard(view)
        self.removeWidget(view)
        view.hide()
        if was_shown and self.views:
            self.show_view(self.views[min(index, len(self.views) - 1)])
        self.rows_changed.emit()

    def mark_unread(self, view: ConversationView) -> bool:
        """Something happened in a conversation the user is not looking at; True when it was marked."""
        if view is self.currentWidget() or view not in self.views:
            return False
        self._unread.add(view)
        self.rows_changed.emit()
        return True

    def rows(self) -> list[OpenRow]:
        """Each open conversation; its agent is named when they are not all of one agent."""
        mixed = len({view.agent_label for view in self.views}) > 1
        return [OpenRow(view.title, str(view.folder), *view.activity, unread=view in self._unread,
                       waiting_for=view.waiting_for, agent=view.agent_label or self.tr("Gemini") if mixed else "",
                       history_id=view.history_id)
                for view in self.views]

    def current_row(self) -> int:
        current = self.currentWidget()
        return self.views.index(current) if current in self.views else -1


class Notifier(QObject):
    """A desktop notification for a conversation (a tray message, else the window asks for attention); clicking
    the message shows that conversation."""

    clicked = Signal()  # the conversation is shown: the window comes to the front

    def __init__(self, stack: ConversationStack, window: QWidget) -> None:
        super().__init__(window)
        self._stack = stack
        self._window = window
        self._tray: QSystemTrayIcon | None = None
        self._lasting_tray = False  # the app's own tray icon (ui/tray.py) carries the messages, and stays
        self._notified: ConversationView | None = None

    def use_tray(self, tray: QSystemTrayIcon) -> None:
        self._tray, self._lasting_tray = tray, True
        tray.messageClicked.connect(self._open)

    def notify(self, view: ConversationView, title: str, text: str) -> None:
        self._notified = view
        if QSystemTrayIcon.isSystemTrayAvailable() and QSystemTrayIcon.supportsMessages():
            if self._tray is None:
                self._tray = QSystemTrayIcon(self._window.windowIcon(), self)
                self._tray.messageClicked.connect(self._open)
            self._tray.show()
            self._tray.showMessage(title, text, QSystemTrayIcon.MessageIcon.Information, NOTIFICATION_MS)
            if not self._lasting_tray:
                QTimer.singleShot(NOTIFICATION_MS * 2, self._tray.hide)  # no lasting tray icon for one message
        else:
            QApplication.alert(self._window)

    def _open(self) -> None:
        if self._notified in self._stack.views:
            self._stack.show_view(self._notified)
        self.clicked.emit()
