"""What the sidebar does to a stored conversation: rename, delete (asked first, and undoable for a while) and
export; the hover buttons, the context menu and the keys all come here.

It talks only to the store's public API; a store failure is a message box and a log line, never a crash.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QWidget,
)

from gemini_desktop.store import HistoryStore, SessionRecord, StoreError
from gemini_desktop.untrusted_text import isolated

log = logging.getLogger(__name__)

UNDO_VISIBLE_MS = 15000


class UndoBar(QFrame):
    """"Conversation deleted. [Undo]" under the list, for a while after a delete."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyUndoBar")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(QLabel(self.tr("Conversation deleted."), self), 1)
        self.button = QPushButton(self.tr("Undo"), self)
        self.button.setObjectName("historyUndo")
        self.button.setAccessibleName(self.tr("Undo delete"))
        layout.addWidget(self.button)
        self.hide()


class SessionActions(QObject):
    changed = Signal(object)  # the history changed: the sidebar reloads (and selects this session id, if any)

    def __init__(self, store: HistoryStore, parent: QWidget) -> None:
        super().__init__(parent)
        self._store = store
        self._parent = parent
        self._undo_token: str | None = None
        self.undo_bar = UndoBar(parent)
        self.undo_bar.button.clicked.connect(self.undo_delete)
        self._undo_timer = QTimer(self)
        self._undo_timer.setSingleShot(True)
        self._undo_timer.setInterval(UNDO_VISIBLE_MS)
        self._undo_timer.timeout.connect(self._forget_undo)

    def _record(self, session_id: int) -> SessionRecord | None:
        try:
            return self._store.get_session(session_id)
        except StoreError as exc:
            self._report_failure(str(exc))
            return None

    def rename(self, session_id: int) -> None:
        session = self._record(session_id)
        if session is None:
            return
        title, accepted = QInputDialog.getText(self._parent, self.tr("Rename conversation"), self.tr("Title:"),
                                               QLineEdit.EchoMode.Normal, session.title)
        if accepted:
            self._guarded(lambda: self._store.rename_session(session.id, title))
            self.changed.emit(session.id)

    def delete(self, session_id: int) -> None:
        """Asked first; once deleted, the undo bar brings it back for a while."""
        session = self._record(session_id)
        if session is None:
            return
        question = self.tr("Delete “%1” from the history?").replace(
            "%1", isolated(session.title or self.tr("Untitled conversation")))
        answer = QMessageBox.question(self._parent, self.tr("Delete conversation"), question,
                                      QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return
        try:
            self._undo_token = self._store.delete_session(session_id)
        except StoreError as exc:
            self._report_failure(str(exc))
            return
        self.undo_bar.show()
        self._undo_timer.start()
        self.changed.emit(None)

    def undo_delete(self) -> None:
        token, self._undo_token = self._undo_token, None
        self.undo_bar.hide()
        self._undo_timer.stop()
        if token is not None:
            self._guarded(lambda: self._store.undo_delete(token))
            self.changed.emit(None)

    def _forget_undo(self) -> None:
        self._undo_token = None
        self.undo_bar.hide()

    def export_markdown(self, session_id: int) -> None:
        self._export(session_id, self.tr("Export as Markdown"), self.tr("Markdown (*.md)"), ".md",
                     self._store.export_markdown)

    def export_json(self, session_id: int) -> None:
        self._export(session_id, self.tr("Export as JSON"), self.tr("JSON (*.json)"), ".json",
                     self._store.export_json)

    def _export(self, session_id: int, caption: str, file_filter: str, suffix: str,
                render: Callable[[int], str]) -> None:
        session = self._record(session_id)
        if session is None:
            return
        stem = "".join(c if c.isalnum() or c in "-_ " else "_" for c in session.title)
        suggested = (stem.strip()[:60] or "conversation") + suffix
        target, _ = QFileDialog.getSaveFileName(self._parent, caption, suggested, file_filter)
        if not target:
            return
        try:
            Path(target).write_text(render(session.id), encoding="utf-8")
        except (OSError, StoreError) as exc:
            self._report_failure(self.tr("The export failed: %1").replace("%1", str(exc)))

    def _guarded(self, change: Callable[[], object]) -> None:
        try:
            change()
        except StoreError as exc:
            self._report_failure(str(exc))

    def _report_failure(self, text: str) -> None:
        log.error("sidebar: %s", text)
        QMessageBox.warning(self._parent, self.tr("History"), text)
