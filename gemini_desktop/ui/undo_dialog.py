"""The question an undo asks when files changed since gemini edited them: overwrite them, or keep them.

Asked with `open()` and awaited, never with a nested `exec()` loop: the conversation (and every other one)
keeps streaming while the question is on screen."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from gemini_desktop.ui.dialogs import discard, finished

MAX_LISTED = 20


async def ask_overwrite(parent: QWidget, changed: Sequence[Path]) -> bool:
    """True when the user chose to overwrite the listed files with their content from before the turn."""
    title = QCoreApplication.translate("UndoDialog", "Undo changes")
    text = QCoreApplication.translate("UndoDialog", "These files changed since gemini edited them. Undoing now "
                                                    "would overwrite those later changes:")
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setObjectName("undoConflict")
    box.setTextFormat(Qt.TextFormat.PlainText)
    listed = [str(path) for path in changed[:MAX_LISTED]]
    if len(changed) > MAX_LISTED:
        more = len(changed) - MAX_LISTED
        listed.append(QCoreApplication.translate("UndoDialog", "… and {count} more").format(count=more))
    box.setInformativeText("\n".join(listed))
    overwrite = box.addButton(QCoreApplication.translate("UndoDialog", "Overwrite them"),
                              QMessageBox.ButtonRole.DestructiveRole)
    overwrite.setObjectName("undoOverwrite")
    keep = box.addButton(QCoreApplication.translate("UndoDialog", "Keep my changes"),
                         QMessageBox.ButtonRole.RejectRole)
    keep.setObjectName("undoKeep")
    box.setDefaultButton(keep)
    try:
        await finished(box)
        return box.clickedButton() is overwrite
    finally:
        discard(box)
