"""The row above the composer's text: pasted and dropped images as thumbnails, dropped files and folders as chips.

Clicking an item removes it. A path outside the working folder is marked, since gemini asks before reading it.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QStyle, QToolButton, QWidget

from gemini_desktop.engine.attachments import Attachment, AttachmentKind

THUMBNAIL = 48
HEIGHT = THUMBNAIL + 12


class AttachmentStrip(QWidget):
    removed = Signal(object)  # the Attachment taken out

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("attachmentStrip")
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.setSpacing(4)
        self._layout.addStretch(1)
        self._items: list[tuple[Attachment, QToolButton]] = []
        self.setFixedHeight(HEIGHT)
        self.hide()

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        return tuple(attachment for attachment, _ in self._items)

    def buttons(self) -> list[QToolButton]:
        return [button for _, button in self._items]

    def add(self, attachment: Attachment) -> None:
        button = QToolButton(self)
        button.setObjectName("attachmentItem")
        button.setAutoRaise(True)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon
                                  if attachment.kind == AttachmentKind.IMAGE
                                  else Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        button.setIconSize(QSize(THUMBNAIL, THUMBNAIL - 14) if attachment.kind == AttachmentKind.IMAGE
                           else QSize(16, 16))
        button.setIcon(self._icon(attachment))
        button.setText(_elided(attachment.name))
        where = str(attachment.path) if attachment.path is not None else attachment.name
        tip = self.tr("%1 — click to remove").replace("%1", where)
        if attachment.outside_folder:
            tip += "\n" + self.tr("Outside the working folder: gemini asks before reading it.")
            button.setText("⚠ " + button.text())
        if attachment.ignored:
            tip += "\n" + self.tr("Hidden from gemini by .gitignore or .geminiignore: its text is sent along.")
        button.setToolTip(tip)
        button.setAccessibleName(self.tr("Attachment %1").replace("%1", attachment.name))
        button.clicked.connect(lambda: self.remove(attachment))
        self._layout.insertWidget(self._layout.count() - 1, button)
        self._items.append((attachment, button))
        self.show()

    def remove(self, attachment: Attachment) -> None:
        for index, (held, button) in enumerate(self._items):
            if held is attachment:
                del self._items[index]
                button.deleteLater()
                self.setVisible(bool(self._items))
                self.removed.emit(attachment)
                return

    def remove_last(self) -> bool:
        if not self._items:
            return False
        self.remove(self._items[-1][0])
        return True

    def clear(self) -> None:
        for attachment, _ in list(self._items):
            self.remove(attachment)

    def _icon(self, attachment: Attachment) -> QIcon:
        if attachment.kind == AttachmentKind.IMAGE:
            image = QImage()
            if attachment.data is not None:
                image.loadFromData(attachment.data)
            elif attachment.path is not None:
                image.load(str(attachment.path))
            if not image.isNull():
                return QIcon(QPixmap.fromImage(image.scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                                                            Qt.TransformationMode.SmoothTransformation)))
        pixmap = (QStyle.StandardPixmap.SP_DirIcon if attachment.kind == AttachmentKind.FOLDER
                  else QStyle.StandardPixmap.SP_FileIcon)
        return self.style().standardIcon(pixmap)


def _elided(name: str, limit: int = 24) -> str:
    return name if len(name) <= limit else name[: limit - 1] + "…"
