"""The sidebar: one list under a search field. The open conversations first (each with its activity, its
agent and an unread mark), then the history by day (Today, Yesterday, Previous 7 days, then by month), one
scroll; typing searches every stored conversation (the store's full-text search) and filters the open ones.

Each row has its actions on hover (drawn by ui/sidebar_delegate.py), in its context menu and on the keyboard:
Enter opens, F2 renames, Delete deletes (asked first, undoable for a while).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QKeyEvent, QKeySequence, QMouseEvent
from PySide6.QtWidgets import QAbstractItemView, QLabel, QLineEdit, QListView, QMenu, QVBoxLayout, QWidget

from gemini_desktop.conversation.sidebar_rows import OpenRow, Row, RowKind
from gemini_desktop.store import HistoryStore, StoreError
from gemini_desktop.ui import design
from gemini_desktop.ui.icons import icon
from gemini_desktop.ui.sidebar_actions import SessionActions
from gemini_desktop.ui.sidebar_delegate import SidebarDelegate, action_label
from gemini_desktop.ui.sidebar_model import ROW_ROLE, SidebarModel

log = logging.getLogger(__name__)

SEARCH_DELAY_MS = 150


class SidebarList(QListView):
    """The list itself; the row under the mouse repaints as the mouse moves, so its buttons light up."""

    menu_requested = Signal(QPoint, bool)  # where (viewport coordinates), from the keyboard
    key_action = Signal(str)  # "rename" (F2) or "delete" (Delete), on the current row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMouseTracking(True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_Hover, True)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """The menu key opens the current row's menu under that row, not the row under the middle of the list."""
        keyboard = event.reason() == QContextMenuEvent.Reason.Keyboard and self.currentIndex().isValid()
        position = self.visualRect(self.currentIndex()).center() if keyboard else event.pos()
        self.menu_requested.emit(position, keyboard)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """F2 and Delete on the current row, also where the window's shortcuts do not reach (it is not active)."""
        names = {Qt.Key.Key_F2: "rename", Qt.Key.Key_Delete: "delete"}
        name = names.get(Qt.Key(event.key())) if event.modifiers() == Qt.KeyboardModifier.NoModifier else None
        if name is None:
            super().keyPressEvent(event)
        else:
            self.key_action.emit(name)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        super().mouseMoveEvent(event)
        index = self.indexAt(event.position().toPoint())
        if index.isValid():
            self.viewport().update(self.visualRect(index))


class Sidebar(QWidget):
    conversation_chosen = Signal(int)  # place of an open conversation
    close_requested = Signal(int)  # place of an open conversation: stop it (it stays in the history)
    open_requested = Signal(int, object, str)  # session id, the message id of a search hit or None, the word
    resume_requested = Signal(int)  # open and start its agent now (double click, Resume)

    def __init__(self, store: HistoryStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.search_field = QLineEdit(self)
        self.search_field.setObjectName("historySearch")
        self.search_field.setPlaceholderText(self.tr("Search all conversations…"))
        self.search_field.setAccessibleName(self.tr("Search conversations"))
        self.search_field.setClearButtonEnabled(True)
        self.search_field.addAction(icon("search", self.palette().placeholderText().color()),
                                    QLineEdit.ActionPosition.LeadingPosition)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._run_search)
        self.search_field.textChanged.connect(self._search_timer.start)
        self.search_field.returnPressed.connect(self._run_search)

        self.model = SidebarModel(store, self)
        self.list = SidebarList(self)
        self.list.setObjectName("sidebarList")
        self.list.setAccessibleName(self.tr("Conversations"))
        self.list.setAccessibleDescription(self.tr("Enter opens, F2 renames, Delete deletes, the menu key shows "
                                                   "all actions"))
        self.list.setModel(self.model)
        self.delegate = SidebarDelegate(self.list)
        self.list.setItemDelegate(self.delegate)
        self.list.setFrameShape(QListView.Shape.NoFrame)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)  # rows re-laid out (hits re-wrapped) on resize
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.clicked.connect(self.open_selected)
        self.list.activated.connect(self.open_selected)
        self.list.doubleClicked.connect(self.resume_selected)
        self.list.menu_requested.connect(self._context_menu)
        self.list.selectionModel().currentChanged.connect(self._update_actions)
        self.delegate.action_triggered.connect(self._run_row_action)
        self.list.key_action.connect(lambda name: self._run_row_action(name, QPersistentModelIndex(
            self.list.currentIndex())))

        self.status_label = QLabel(self)
        self.status_label.setObjectName("historyStatus")
        self.status_label.setTextFormat(Qt.TextFormat.PlainText)
        self.status_label.setWordWrap(True)
        self.status_label.hide()

        self.actions_on_sessions = SessionActions(store, self)
        self.actions_on_sessions.changed.connect(self._after_change)
        self.undo_bar = self.actions_on_sessions.undo_bar
        self.undo_button = self.undo_bar.button
        self.open_action = self._action("open", self.open_selected)
        self.close_action = self._action("close", self.close_selected)
        self.resume_action = self._action("resume", self.resume_selected)
        self.rename_action = self._action("rename", self.rename_selected, QKeySequence(Qt.Key.Key_F2))
        self.export_markdown_action = self._action("export", self.export_selected_markdown)
        self.export_json_action = self._action("export_json", self.export_selected_json)
        self.delete_action = self._action("delete", self.delete_selected, QKeySequence(QKeySequence.StandardKey.Delete))

        layout = QVBoxLayout(self)
        layout.setContentsMargins(design.SPACE["sm"], design.SPACE["sm"], design.SPACE["xs"], design.SPACE["xs"])
        layout.setSpacing(design.SPACE["sm"])
        layout.addWidget(self.search_field)
        layout.addWidget(self.status_label)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.undo_bar)
        self.refresh()

    def _action(self, name: str, slot: Callable[[], None], key: QKeySequence | None = None) -> QAction:
        action = QAction(action_label(name), self)
        action.triggered.connect(slot)
        if key is not None:  # the key works while the list has the keyboard, and the menu shows it
            action.setShortcut(key)
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            self.list.addAction(action)
        return action

    # -- the open conversations

    def set_rows(self, rows: list[OpenRow], current: int) -> None:
        """Show the open conversations in order; cheap enough to call on every change."""
        self.model.set_open(rows, current)

    def row_text(self, place: int) -> str:
        """What the row of the open conversation at `place` says (title, agent, activity, unread mark)."""
        for row_number, row in enumerate(self.model.rows()):
            if row.kind is RowKind.OPEN and row.open_index == place:
                return str(self.model.index(row_number).data())
        return ""

    # -- the history and the search

    def refresh(self) -> None:
        """Reload from the store (after a new conversation, an import, a rename...)."""
        try:
            self.model.reload()
        except StoreError as exc:
            self._show_status(str(exc))
            return
        if self.search_field.text().strip():
            self._run_search()
        else:
            self._show_status("")
        self._update_actions()

    def _run_search(self) -> None:
        self._search_timer.stop()
        query = self.search_field.text().strip()
        try:
            self.model.search(query)
        except StoreError as exc:
            self._show_status(str(exc))
            return
        nothing = self.model.content.nothing_found
        self._show_status(self.tr("No conversation contains “%1”.").replace("%1", query) if nothing else "")
        if query and not nothing:
            first = next((number for number, row in enumerate(self.model.rows())
                          if row.kind is not RowKind.HEADER), 0)
            self.list.setCurrentIndex(self.model.index(first))
        self._update_actions()

    @property
    def searching(self) -> bool:
        return bool(self.model.content.query)

    def _show_status(self, text: str) -> None:
        self.status_label.setText(text)
        self.status_label.setVisible(bool(text))

    def _after_change(self, select: int | None) -> None:
        self.refresh()
        if select is not None:
            self.select_session(select)

    # -- selection and opening

    def selected_row(self) -> Row | None:
        row = self.list.currentIndex().data(ROW_ROLE)
        return row if isinstance(row, Row) and row.kind is not RowKind.HEADER else None

    def selected_session_id(self) -> int | None:
        row = self.selected_row()
        return row.session_id if row is not None else None

    def select_session(self, session_id: int) -> bool:
        """Make a loaded history row the current one (clearing any search)."""
        if self.search_field.text():
            self.search_field.clear()
            self._run_search()
        for number, row in enumerate(self.model.rows()):
            if row.kind is RowKind.HISTORY and row.session_id == session_id:
                self.list.setCurrentIndex(self.model.index(number))
                return True
        return False

    def open_selected(self, *_: object) -> None:
        """An open conversation comes on screen; a history row shows at once, read-only until it is sent to or
        resumed; a search hit with that message laid out and the searched word selected."""
        row = self.selected_row()
        if row is None:
            return
        if row.kind is RowKind.OPEN:
            self.conversation_chosen.emit(row.open_index)
        elif row.session_id is not None:
            words = self.model.content.query.split()
            hit = row.hit.message_id if row.hit is not None else None
            self.open_requested.emit(row.session_id, hit, words[0] if hit is not None and words else "")

    def resume_selected(self, *_: object) -> None:
        row = self.selected_row()
        if row is not None and row.kind is not RowKind.OPEN and row.session_id is not None:
            self.resume_requested.emit(row.session_id)

    def close_selected(self) -> None:
        row = self.selected_row()
        if row is not None and row.kind is RowKind.OPEN:
            self.close_requested.emit(row.open_index)

    def _stored_selection(self) -> int | None:
        """The selected history row's session: rename and delete act on the history, not on an open row."""
        row = self.selected_row()
        return row.session_id if row is not None and row.kind is not RowKind.OPEN else None

    def rename_selected(self) -> None:
        session_id = self._stored_selection()
        if session_id is not None:
            self.actions_on_sessions.rename(session_id)

    def delete_selected(self) -> None:
        session_id = self._stored_selection()
        if session_id is not None:
            self.actions_on_sessions.delete(session_id)

    def undo_delete(self) -> None:
        self.actions_on_sessions.undo_delete()

    def export_selected_markdown(self) -> None:
        session_id = self.selected_session_id()
        if session_id is not None:
            self.actions_on_sessions.export_markdown(session_id)

    def export_selected_json(self) -> None:
        session_id = self.selected_session_id()
        if session_id is not None:
            self.actions_on_sessions.export_json(session_id)

    def _run_row_action(self, name: str, index: QPersistentModelIndex) -> None:
        """A hover button: its row becomes the current one, then the action runs on it."""
        self.list.setCurrentIndex(QModelIndex(index))
        actions = {"close": self.close_action, "resume": self.resume_action, "rename": self.rename_action,
                   "export": self.export_markdown_action, "delete": self.delete_action}
        if name in actions:
            actions[name].trigger()

    def _row_menu_actions(self) -> list[QAction]:
        row = self.selected_row()
        if row is None:
            return []
        if row.kind is RowKind.OPEN:
            exports = [self.export_markdown_action, self.export_json_action] if row.session_id is not None else []
            return [self.open_action, self.close_action, *exports]
        return [self.open_action, self.resume_action, self.rename_action, self.export_markdown_action,
                self.export_json_action, self.delete_action]

    def _update_actions(self, *_: object) -> None:
        shown = self._row_menu_actions()
        for action in (self.open_action, self.close_action, self.resume_action, self.rename_action,
                       self.export_markdown_action, self.export_json_action, self.delete_action):
            action.setEnabled(action in shown)

    def _context_menu(self, position: QPoint, from_keyboard: bool = False) -> None:
        index = self.list.indexAt(position)
        if index.isValid() and not from_keyboard:
            self.list.setCurrentIndex(index)
        actions = self._row_menu_actions()
        if not actions:
            return
        menu = QMenu(self)
        menu.addActions(actions)
        menu.exec(self.list.viewport().mapToGlobal(position))
