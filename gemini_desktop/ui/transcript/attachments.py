"""A user message's attachments in the transcript: file and folder chips that open the file, image thumbnails that
open the image full size.

Inert and bounded: a name is escaped text, never markup; the document loads nothing itself (the browser answers
only `gd-thumb:` names, from here). A thumbnail is decoded and scaled on a worker thread (an image may be 20 MB,
or, in a hand-edited history, anything), shown as a grey square of the same size until it is ready, so the
layout never moves when it arrives; Qt's image allocation limit refuses a decompression bomb.
"""

from __future__ import annotations

import contextlib
import html
import logging
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QCoreApplication, QIODevice, QObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QImage, QImageReader, QPainter, QPixmap, QTextDocument
from PySide6.QtWidgets import QDialog, QLabel, QScrollArea, QStyle, QVBoxLayout, QWidget

from gemini_desktop.conversation.model import Entry, ShownAttachment, UserMessage
from gemini_desktop.ui.qt_safe_text import shortened
from gemini_desktop.ui.theme import Theme
from gemini_desktop.untrusted_text import visible_controls

log = logging.getLogger(__name__)

THUMBNAIL_PX = 96
MAX_NAME_CHARS = 120
CACHED_THUMBNAILS = 256
OPEN_SCHEME = "gd-attachment"
THUMB_SCHEME = "gd-thumb"
ICON_SCHEME = "gd-icon"  # the style's file and folder icons, as the composer shows them

_decoder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="thumbnails")  # one: decoding is memory-hungry


def attachment_href(scheme: str, entry_id: int, index: int) -> str:
    return f"{scheme}:{entry_id}/{index}"


def attachment_entry_id(name: str) -> int:
    """The entry a `gd-attachment:`/`gd-thumb:` link ("scheme:entry id/index") names; -1 when malformed."""
    entry_id = QUrl(name).path().partition("/")[0]
    return int(entry_id) if entry_id.isdigit() else -1


def attachment_named(entry: Entry, name: str) -> ShownAttachment | None:
    """The attachment of `entry` a link names; None for a malformed or stale name."""
    index = QUrl(name).path().partition("/")[2]
    if not isinstance(entry, UserMessage) or not index.isdigit() or int(index) >= len(entry.attachments):
        return None
    return entry.attachments[int(index)]


def attachments_html(entry: UserMessage, theme: Theme, block_style: str) -> str:
    """One paragraph of the message's bubble: a chip per file or folder, a thumbnail per image."""
    if not entry.attachments:
        return ""
    parts = []
    for index, attachment in enumerate(entry.attachments):
        href = attachment_href(OPEN_SCHEME, entry.id, index)
        name = html.escape(visible_controls(shortened(attachment.name, MAX_NAME_CHARS)))
        if attachment.kind == "image":
            thumb = attachment_href(THUMB_SCHEME, entry.id, index)
            parts.append(f'<a href="{href}"><img src="{thumb}" width="{THUMBNAIL_PX}" height="{THUMBNAIL_PX}"></a>')
            continue
        icon = f'<img src="{ICON_SCHEME}:{"folder" if attachment.kind == "folder" else "file"}" width="16" height="16">'
        chip = f'<a href="{href}" style="color:{theme.link}; text-decoration:none">{icon}&nbsp;{name}</a>'
        if attachment.outside_folder:
            outside = QCoreApplication.translate("TranscriptView", "outside the working folder")
            chip += f' <span style="color:{theme.warning}">⚠ {html.escape(outside)}</span>'
        parts.append(chip)
    return f'<p style="{block_style}">{" &nbsp; ".join(parts)}</p>'


def chip_icon(name: str, widget: QWidget) -> QImage:
    """The style's icon for a `gd-icon:file` or `gd-icon:folder` image."""
    pixmap = (QStyle.StandardPixmap.SP_DirIcon if QUrl(name).path() == "folder" else QStyle.StandardPixmap.SP_FileIcon)
    return widget.style().standardIcon(pixmap).pixmap(16, 16).toImage()


def _decode(source: str | bytes, size: int) -> QImage:
    """Runs on the worker: read the image scaled down to fit a `size` square (a null image when unreadable)."""
    if isinstance(source, bytes):
        buffer = QBuffer()
        buffer.setData(QByteArray(source))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        reader = QImageReader(buffer)
    else:
        reader = QImageReader(source)
    reader.setAutoTransform(True)
    original = reader.size()
    if original.isValid() and (original.width() > size or original.height() > size):
        reader.setScaledSize(original.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    if image.isNull():
        log.info("no thumbnail: %s", reader.errorString())
        return image
    if image.width() > size or image.height() > size:  # a reader that ignores the scaled size
        image = image.scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation)
    return image


def _square(image: QImage, size: int, fill: QColor) -> QImage:
    """The image centred on a `size` square, so every thumbnail takes the room its placeholder took."""
    square = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    square.fill(fill)
    if not image.isNull():
        painter = QPainter(square)
        painter.drawImage((size - image.width()) // 2, (size - image.height()) // 2, image)
        painter.end()
    return square


class Thumbnails(QObject):
    """Thumbnails by their `gd-thumb:` name: a placeholder at once, the picture once the worker has it."""

    _decoded = Signal(int, str, QImage)  # from the worker thread: delivered on this object's thread

    def __init__(self, document: QTextDocument, find: Callable[[str], ShownAttachment | None],
                 repaint: Callable[[], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._document = document
        self._find = find
        self._repaint = repaint
        self._ready: OrderedDict[str, QImage] = OrderedDict()
        self._loading: set[str] = set()
        self._generation = 0
        self._decoded.connect(self._on_decoded)

    def forget(self) -> None:
        """The document was cleared for another model or a replay: names may mean other images now, so what was
        decoded, or is being decoded, for the old ones is dropped."""
        self._generation += 1
        self._ready.clear()
        self._loading.clear()

    def image(self, name: str) -> QImage:
        """What the document shows for `name` now; starts decoding it the first time."""
        ready = self._ready.get(name)
        if ready is not None:
            self._ready.move_to_end(name)
            return ready
        placeholder = _square(QImage(), THUMBNAIL_PX, QColor(128, 128, 128, 60))
        attachment = self._find(name)
        source = (attachment.data if attachment.data is not None else attachment.image_file) if attachment else None
        if source and name not in self._loading:
            self._loading.add(name)
            _decoder.submit(self._decode_and_deliver, self._generation, name, source)
        return placeholder

    def _decode_and_deliver(self, generation: int, name: str, source: str | bytes) -> None:
        try:
            image = _decode(source, THUMBNAIL_PX)
        except Exception:  # a worker must never die silently: the placeholder stays, the log says why
            log.exception("decoding the thumbnail %s failed", name)
            image = QImage()
        with contextlib.suppress(RuntimeError):  # the transcript was closed meanwhile
            self._decoded.emit(generation, name, image)

    def _on_decoded(self, generation: int, name: str, image: QImage) -> None:
        if generation != self._generation:
            return
        self._loading.discard(name)
        shown = _square(image, THUMBNAIL_PX, QColor(128, 128, 128, 60 if image.isNull() else 0))
        self._ready[name] = shown
        while len(self._ready) > CACHED_THUMBNAILS:
            self._ready.popitem(last=False)
        self._document.addResource(QTextDocument.ResourceType.ImageResource, QUrl(name), shown)
        self._repaint()

    def pending(self) -> int:
        """Thumbnails still being decoded (for tests)."""
        return len(self._loading)


class ImageViewer(QDialog):
    """An attached image at full size, scrollable; read when opened (the user asked for exactly this one)."""

    def __init__(self, attachment: ShownAttachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("imageViewer")
        self.setWindowTitle(visible_controls(shortened(attachment.name, MAX_NAME_CHARS)))
        self.label = QLabel(self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        image = _decode(attachment.data if attachment.data is not None else attachment.image_file, 1 << 30)
        if image.isNull():
            self.label.setText(self.tr("This image cannot be shown (it is gone, damaged or too big)."))
        else:
            self.label.setPixmap(QPixmap.fromImage(image))
        scroll = QScrollArea(self)
        scroll.setWidget(self.label)
        scroll.setWidgetResizable(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)
        screen = self.screen().availableSize() if self.screen() is not None else QSize(1024, 768)
        self.resize(min(screen.width() * 4 // 5, max(320, image.width() + 24)),
                    min(screen.height() * 4 // 5, max(240, image.height() + 24)))


def open_attachment(attachment: ShownAttachment, parent: QWidget, open_url: Callable[[QUrl], bool]) -> str:
    """A click on an attachment: an image opens full size here, a file or folder in the system's app for it.
    Returns what to tell the user when it cannot be opened ("" when it was)."""
    if attachment.kind == "image":
        viewer = ImageViewer(attachment, parent)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        viewer.show()
        return ""
    if not attachment.path or not Path(attachment.path).exists():
        return QCoreApplication.translate("TranscriptView", "{name} is no longer there.").format(
            name=visible_controls(shortened(attachment.name, MAX_NAME_CHARS)))
    open_url(QUrl.fromLocalFile(attachment.path))
    return ""
