"""What "Undo changes" asks first: every file the turn changed, a diff per file, and which to put back.

A file the user changed since the turn is listed unticked (kept unless ticked); any other file can be unticked
to keep it. Opened with `open()` and awaited (never a nested `exec()` loop), so every conversation keeps
streaming while it is on screen. The file work is `conversation.turn_undo`'s, off the UI thread.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gemini_desktop.conversation.turn_undo import TurnChanges, TurnUndoer
from gemini_desktop.ui.dialogs import discard, finished

PATH_ROLE = Qt.ItemDataRole.UserRole


class TurnUndoDialog(QDialog):
    """The files of a turn's undo, each with its diff; the ticked ones are put back."""

    def __init__(self, changes: TurnChanges, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("turnUndoDialog")
        self.setWindowTitle(self.tr("Undo changes"))
        self.resize(760, 520)
        self._changes = changes
        intro = QLabel(self.tr("Undoing puts the ticked files back as they were before this turn. A file you changed "
                           "since is kept as it is now unless you tick it."), self)
        intro.setWordWrap(True)
        self.files = QListWidget(self)
        self.files.setObjectName("undoFiles")
        self.files.setAccessibleName(self.tr("Files the turn changed"))
        for change in changes.files:
            since = self.tr(" (changed since the turn: kept unless ticked)") if change.changed_since else ""
            text = change.path + since
            item = QListWidgetItem(text, self.files)
            item.setData(PATH_ROLE, change.path)
            item.setCheckState(Qt.CheckState.Unchecked if change.changed_since else Qt.CheckState.Checked)
        self.diff = QPlainTextEdit(self)
        self.diff.setObjectName("undoDiff")
        self.diff.setAccessibleName(self.tr("Changes in the selected file"))
        self.diff.setReadOnly(True)
        self.diff.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.diff.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.files.currentRowChanged.connect(self._show_diff)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(self.files)
        split.addWidget(self.diff)
        split.setSizes([160, 360])
        buttons = QDialogButtonBox(self)
        self.apply = buttons.addButton(self.tr("Undo changes"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.apply.setObjectName("undoApply")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(split, 1)
        if changes.skipped:
            skipped = QLabel(self.tr("Not in the snapshot (too big or too many files), so never touched: {files}")
                             .format(files=", ".join(changes.skipped)), self)
            skipped.setObjectName("undoSkipped")
            skipped.setWordWrap(True)
            skipped.setTextFormat(Qt.TextFormat.PlainText)
            layout.addWidget(skipped)
        layout.addWidget(buttons)
        self.files.setCurrentRow(0)
        self.files.setFocus()

    def _show_diff(self, row: int) -> None:
        change = self._changes.files[row] if 0 <= row < len(self._changes.files) else None
        self.diff.setPlainText(change.diff if change is not None else "")

    def choice(self) -> tuple[frozenset[str], frozenset[str]]:
        """(files changed since that the user ticked: overwrite them; other files unticked: keep them)."""
        ticked = {self.files.item(row).data(PATH_ROLE) for row in range(self.files.count())
                  if self.files.item(row).checkState() == Qt.CheckState.Checked}
        since = {change.path for change in self._changes.files if change.changed_since}
        others = {change.path for change in self._changes.files} - since
        return frozenset(ticked & since), frozenset(others - ticked)


async def undo_turn(parent: QWidget, undoer: TurnUndoer, entry_id: int) -> list[str] | None:
    """List the entry's files with their diffs, and put back the ones the user leaves ticked."""
    changes = await undoer.changes(entry_id)
    if changes is None:
        return None
    dialog = TurnUndoDialog(changes, parent)
    try:
        if await finished(dialog) != QDialog.DialogCode.Accepted:
            return None
        overwrite, skip = dialog.choice()
    finally:
        discard(dialog)
    return await undoer.undo(entry_id, overwrite, skip)
