"""The message box: Enter sends, Shift+Enter breaks the line, Up/Down walk through sent messages.

Esc (stop the turn) is a window action, so it works wherever the focus is.

Slash commands the agent announces complete in a popup once the text starts with "/".

Attachments, once `enable_attachments` names the working folder: typing "@" opens a picker over the folder's
index (ranked by the index, so the popup does no filtering of its own; hidden entries once a "." is typed); a
chosen entry becomes a chip in the text ("@path", one unit: Backspace removes it whole, with its attachment).
Ctrl+V of an image, dropping images, files or folders, and the Attach button (`choose_attachments`) add them to
the strip above the text (thumbnails; Backspace at the very start removes the last one). Whatever cannot be
attached is refused at once with the reason (`attachment_refused`), and nothing else in the message is lost.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QKeyEvent, QResizeEvent, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QCompleter, QFileDialog, QPlainTextEdit, QWidget

from gemini_desktop.engine.attachments import Attachment, AttachmentError, AttachmentKind, Message, attach
from gemini_desktop.engine.events import SlashCommand
from gemini_desktop.engine.file_index import FileIndexCache
from gemini_desktop.ui.attachment_strip import AttachmentStrip

COMPLETER_KEYS = {Qt.Key.Key_Enter, Qt.Key.Key_Return, Qt.Key.Key_Escape, Qt.Key.Key_Tab, Qt.Key.Key_Backtab}
CHIP = QTextCharFormat.Property.UserProperty + 1  # the chip's id in a char format
MENTION = re.compile(r"(?:^|\s)@(\S*)$")  # "@" and what follows it, right before the cursor
PICKER_ROWS = 50
PICKER_RETRY_MS = 100  # while the folder is still being indexed, the open picker looks again this often


class PromptInput(QPlainTextEdit):
    submitted = Signal(str)  # a message without attachments (all a view without attachments needs)
    message_submitted = Signal(object)  # every message, as an engine Message with its attachments
    attachment_refused = Signal(str)  # why something could not be attached (for the user)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("promptInput")
        self.setAccessibleName(self.tr("Message"))
        self.set_agent_name("")
        self.setTabChangesFocus(True)
        self._sent: list[str] = []
        self._recall_index: int | None = None
        self._commands_model = QStringListModel(self)
        self._completer = QCompleter(self._commands_model, self)
        self._completer.setWidget(self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self._completer.activated.connect(self._insert_command)
        self.textChanged.connect(self._update_completion)
        self.send_check: Callable[[Message], str | None] | None = None
        """Asked before a message is sent; a reason (for the user) keeps the message in the composer."""
        self._folder: Path | None = None
        self._indexes: FileIndexCache | None = None
        self.image_refusal = ""  # why images cannot be attached now (the agent does not take them); "" = they can
        self._chips: dict[int, Attachment] = {}
        self._chip_ids = itertools.count(1)
        self._picker_model = QStringListModel(self)
        self._picker = QCompleter(self._picker_model, self)
        self._picker.setWidget(self)
        self._picker.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._picker.activated.connect(self._insert_chip)
        self._picker_retry = QTimer(self)
        self._picker_retry.setInterval(PICKER_RETRY_MS)
        self._picker_retry.timeout.connect(self._update_picker)
        self.cursorPositionChanged.connect(self._update_picker)
        self.strip = AttachmentStrip(self)
        self.strip.removed.connect(lambda _: self._place_strip())

    def set_agent_name(self, name: str) -> None:
        """The placeholder names the agent the message goes to ("": gemini)."""
        if name:
            self.setPlaceholderText(self.tr("Message {agent} — Enter to send, Shift+Enter for a new line").format(
                agent=name))
        else:
            self.setPlaceholderText(self.tr("Message Gemini — Enter to send, Shift+Enter for a new line"))

    @property
    def completer(self) -> QCompleter:
        return self._completer

    @property
    def picker(self) -> QCompleter:
        return self._picker

    def enable_attachments(self, working_folder: Path, indexes: FileIndexCache) -> None:
        """Turn on @ mentions, pasted images and dropped files for a conversation in this folder."""
        self._folder = Path(working_folder)
        self._indexes = indexes

    def attachments(self) -> tuple[Attachment, ...]:
        """The strip's items, then the chips in the order they appear in the text."""
        return (*self.strip.attachments, *(self._chips[chip] for chip in self._chips_in_text()))

    def choose_attachments(self) -> None:
        """The Attach button: pick files (or images) in a dialog, starting in the working folder."""
        if self._folder is None:
            return
        chosen, _ = QFileDialog.getOpenFileNames(self, self.tr("Attach files"), str(self._folder))
        for name in chosen:
            self.add_attachment(Path(name))

    def refuse_images(self, reason: str) -> None:
        """Images are refused with `reason` from now on ("" takes them again); those already attached stay, and
        sending says why they cannot go."""
        self.image_refusal = reason

    def add_attachment(self, path: Path) -> bool:
        """Attach a file, folder or image (from a drop or the Attach button); False (and the reason signalled)
        when it cannot be sent."""
        if self._folder is None:
            return False
        try:
            attachment = attach(path, self._folder)
        except AttachmentError as error:
            self.attachment_refused.emit(str(error))
            return False
        if attachment.kind == AttachmentKind.IMAGE and self.image_refusal:
            self.attachment_refused.emit(self.image_refusal)
            return False
        self.strip.add(attachment)
        self._place_strip()
        return True

    def set_commands(self, commands: Sequence[SlashCommand]) -> None:
        self._commands_model.setStringList(sorted(f"/{c.name.lstrip('/')}" for c in commands))

    def sent_history(self) -> list[str]:
        return list(self._sent)

    def put_back(self, message: Message) -> None:
        """A message that could not be sent returns to the composer: its text (when the box is empty, so nothing
        typed since is overwritten) and its attachments, in the strip."""
        if not self.toPlainText():
            self.setPlainText(message.text)
        for attachment in message.attachments:
            self.strip.add(attachment)
        self._place_strip()

    def submit(self) -> None:
        text = self.toPlainText()
        attachments = self.attachments()
        if not text.strip() and not attachments:
            return
        refusal = self.send_check(Message(text, attachments)) if self.send_check is not None else None
        if refusal:  # told before anything is sent, and nothing is cleared
            self.attachment_refused.emit(refusal)
            return
        self._sent.append(text)
        self._recall_index = None
        self.clear()
        self._chips.clear()
        self.strip.clear()
        self.message_submitted.emit(Message(text, attachments))
        if not attachments:
            self.submitted.emit(text)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if (self._completer.popup().isVisible() or self._picker.popup().isVisible()) and key in COMPLETER_KEYS:
            event.ignore()  # the popup takes these
            return
        if key == Qt.Key.Key_Backspace and not self.textCursor().hasSelection() and self._remove_before_cursor():
            return
        plain_enter = key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.AltModifier)
        )
        if plain_enter:
            self.submit()
        elif key == Qt.Key.Key_Up and self._recall_allowed():
            self._recall(-1)
        elif key == Qt.Key.Key_Down and self._recall_index is not None:
            self._recall(+1)
        else:
            super().keyPressEvent(event)

    def _recall_allowed(self) -> bool:
        if not self._sent:
            return False
        text = self.toPlainText()
        return not text or (self._recall_index is not None and text == self._sent[self._recall_index])

    def _recall(self, step: int) -> None:
        index = len(self._sent) if self._recall_index is None else self._recall_index
        index = max(0, index + step)
        if index >= len(self._sent):
            self._recall_index = None
            self.clear()
            return
        self._recall_index = index
        self.setPlainText(self._sent[index])
        self.moveCursor(QTextCursor.MoveOperation.End)

    def insertFromMimeData(self, source: QMimeData) -> None:
        """Paste and drop: images and local files become attachments (when enabled); otherwise plain text only,
        since rich clipboard content would be parsed as HTML."""
        if self._folder is not None:
            local = [Path(url.toLocalFile()) for url in source.urls() if url.isLocalFile()] if source.hasUrls() else []
            if local:
                for path in local:
                    self.add_attachment(path)
                return
            if source.hasImage():
                self._attach_image(source.imageData())
                return
        if source.hasText():
            self.insertPlainText(source.text())

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        if self._folder is not None and (source.hasImage() or source.hasUrls()):
            return True
        return source.hasText()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place_strip()

    def _place_strip(self) -> None:
        """The strip sits in the top margin of the text area, which only has one while there are items."""
        shown = bool(self.strip.attachments)
        frame = self.frameWidth()
        self.setViewportMargins(0, self.strip.height() if shown else 0, 0, 0)
        self.strip.setGeometry(frame, frame, self.width() - 2 * frame, self.strip.height())
        self.strip.setVisible(shown)

    def _attach_image(self, image: object) -> None:
        """A pasted image, as PNG: the clipboard holds pixels, not a file, so they are encoded once here."""
        if self.image_refusal:
            self.attachment_refused.emit(self.image_refusal)
            return
        if not isinstance(image, QImage) or image.isNull():
            self.attachment_refused.emit(self.tr("The clipboard image could not be read."))
            return
        data = QByteArray()
        buffer = QBuffer(data)
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        try:
            self.strip.add(Attachment.pasted_image(bytes(data.data()), self.tr("pasted image")))
        except AttachmentError as error:
            self.attachment_refused.emit(str(error))
            return
        self._place_strip()

    # ----- @ mentions ---------------------------------------------------------------------------------------

    def _mention(self) -> re.Match[str] | None:
        """The "@..." being typed right before the cursor, if any (on the cursor's line only)."""
        cursor = self.textCursor()
        if self._folder is None or cursor.hasSelection():
            return None
        line = cursor.block().text()[: cursor.positionInBlock()]
        return MENTION.search(line)

    def _update_picker(self) -> None:
        mention = self._mention()
        if mention is None or self._indexes is None or self._folder is None:
            self._picker.popup().hide()
            self._picker_retry.stop()
            return
        typed = mention.group(1)
        hidden = typed.startswith(".") or "/." in typed  # hidden entries only when asked for, by typing the dot
        index = self._indexes.get(self._folder, include_hidden=hidden)
        paths = [match.path for match in index.query(typed, PICKER_ROWS)]
        if index.ready:
            self._picker_retry.stop()
        elif not self._picker_retry.isActive():
            self._picker_retry.start()
        if self._picker_model.stringList() != paths:
            self._picker_model.setStringList(paths)
        if not paths:
            self._picker.popup().hide()
            return
        rect = self.cursorRect()
        rect.setWidth(max(320, self._picker.popup().sizeHintForColumn(0) + 24))
        self._picker.complete(rect)
        self._picker.popup().setCurrentIndex(self._picker_model.index(0, 0))

    def _insert_chip(self, relative: str) -> None:
        """Replace the "@..." being typed by a chip for the chosen entry (or say why it cannot be attached)."""
        mention = self._mention()
        if mention is None or self._folder is None:
            return
        try:
            attachment = attach(self._folder / relative, self._folder)
        except AttachmentError as error:
            self.attachment_refused.emit(str(error))
            return
        chip = next(self._chip_ids)
        self._chips[chip] = attachment
        cursor = self.textCursor()
        cursor.movePosition(QTextCursor.MoveOperation.Left, QTextCursor.MoveMode.KeepAnchor,
                            len(mention.group(1)) + 1)
        look = QTextCharFormat()
        look.setProperty(CHIP, chip)
        look.setBackground(QColor(128, 128, 128, 60))
        look.setToolTip(str(attachment.path))
        cursor.insertText("@" + relative.rstrip("/"), look)
        cursor.insertText(" ", QTextCharFormat())
        self.setTextCursor(cursor)
        self._picker.popup().hide()

    def _chips_in_text(self) -> list[int]:
        """The ids of the chips still in the text, in order (a chip deleted with the text it was in is gone)."""
        found: list[int] = []
        block = self.document().firstBlock()
        while block.isValid():
            iterator = block.begin()
            while not iterator.atEnd():
                chip = iterator.fragment().charFormat().property(CHIP)
                if isinstance(chip, int) and chip in self._chips and chip not in found:
                    found.append(chip)
                iterator += 1
            block = block.next()
        return found

    def _remove_before_cursor(self) -> bool:
        """Backspace: a chip right before the cursor goes whole; at the very start, the strip's last item."""
        cursor = self.textCursor()
        if cursor.position() == 0:
            return self.strip.remove_last()
        chip = cursor.charFormat().property(CHIP)
        if not isinstance(chip, int):
            return False
        start = cursor.position()
        probe = QTextCursor(cursor)
        while start > 0:
            probe.setPosition(start - 1)
            probe.setPosition(start, QTextCursor.MoveMode.KeepAnchor)
            if probe.charFormat().property(CHIP) != chip:
                break
            start -= 1
        cursor.setPosition(start, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        cursor.setCharFormat(QTextCharFormat())
        self.setTextCursor(cursor)
        self._chips.pop(chip, None)
        return True

    def _update_completion(self) -> None:
        """Runs on every keystroke, so it looks at the first line only, never the whole (maybe huge) text."""
        document = self.document()
        text = document.firstBlock().text() if document.blockCount() == 1 else ""
        is_command_word = text.startswith("/") and not any(ch.isspace() for ch in text)
        if not is_command_word or not self._commands_model.rowCount():
            self._completer.popup().hide()
            return
        self._completer.setCompletionPrefix(text)
        if self._completer.completionCount() == 0:
            self._completer.popup().hide()
            return
        rect = self.cursorRect()
        rect.setWidth(max(240, self._completer.popup().sizeHintForColumn(0) + 24))
        self._completer.complete(rect)

    def _insert_command(self, command: str) -> None:
        self.setPlainText(command + " ")
        self.moveCursor(QTextCursor.MoveOperation.End)
