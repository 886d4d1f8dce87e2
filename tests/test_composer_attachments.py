"""The composer's attachments: @ mentions as chips, pasted images, dropped files, through real QMimeData."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from gemini_desktop.engine import AttachmentKind, Message
from gemini_desktop.engine.file_index import FileIndexCache
from gemini_desktop.ui.prompt_input import PromptInput

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("src/app.py", "src/application_notes.md", "README.md", "build/out.bin"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    (tmp_path / ".gitignore").write_text("build/\n")
    return tmp_path


@pytest.fixture
def composer(qtbot: QtBot, folder: Path) -> tuple[PromptInput, list[Message], list[str]]:
    box = PromptInput()
    qtbot.addWidget(box)
    box.resize(500, 160)
    box.show()
    qtbot.waitExposed(box)
    box.enable_attachments(folder, FileIndexCache())
    sent: list[Message] = []
    refused: list[str] = []
    box.message_submitted.connect(sent.append)
    box.attachment_refused.connect(refused.append)
    return box, sent, refused


def drop(box: PromptInput, mime: QMimeData) -> None:
    """A real drag-and-drop onto the text area: enter, then drop, as the window system would deliver them."""
    target = box.viewport()
    where = QPoint(20, target.height() - 10)
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(where, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, enter)
    assert enter.isAccepted()
    QApplication.sendEvent(target, QDropEvent(QPointF(where), actions, mime, Qt.MouseButton.LeftButton,
                                              Qt.KeyboardModifier.NoModifier))


def test_typing_at_opens_the_picker_and_the_chosen_entry_becomes_a_chip_backspace_removes_whole(
        qtbot: QtBot, composer: tuple[PromptInput, list[Message], list[str]], folder: Path) -> None:
    box, sent, _ = composer
    qtbot.keyClicks(box, "look at @app")
    popup = box.picker.popup()
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    shown = [box.picker.model().index(row, 0).data() for row in range(box.picker.model().rowCount())]
    assert shown[:2] == ["src/app.py", "src/application_notes.md"]
    assert "build/out.bin" not in shown  # ignored by .gitignore
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    assert box.toPlainText() == "look at @src/app.py "
    assert [a.path for a in box.attachments()] == [folder / "src" / "app.py"]
    qtbot.keyClick(box, Qt.Key.Key_Backspace)  # the space after the chip
    qtbot.keyClick(box, Qt.Key.Key_Backspace)  # the chip, whole
    assert box.toPlainText() == "look at "
    assert box.attachments() == ()
    qtbot.keyClicks(box, "@READ")
    qtbot.waitUntil(popup.isVisible, timeout=5000)
    qtbot.keyClick(popup, Qt.Key.Key_Return)
    qtbot.keyClicks(box, "please")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert sent == [Message("look at @README.md please", box_attachments := sent[0].attachments)]
    assert [a.name for a in box_attachments] == ["README.md"]
    assert box.toPlainText() == "" and box.attachments() == ()


def test_ctrl_v_of_an_image_adds_a_thumbnail_and_sends_it_as_png(
        qtbot: QtBot, composer: tuple[PromptInput, list[Message], list[str]]) -> None:
    box, sent, _ = composer
    image = QImage(8, 6, QImage.Format.Format_RGB32)
    image.fill(QColor("red"))
    mime = QMimeData()
    mime.setImageData(image)
    QApplication.clipboard().setMimeData(mime)
    qtbot.keyClicks(box, "what colour is this?")
    qtbot.keyClick(box, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert box.toPlainText() == "what colour is this?"
    [pasted] = box.attachments()
    assert pasted.kind == AttachmentKind.IMAGE and pasted.mime_type == "image/png"
    assert QImage.fromData(pasted.data).size() == image.size()
    [thumbnail] = box.strip.buttons()
    assert box.strip.isVisible() and not thumbnail.icon().isNull()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert sent[0].text == "what colour is this?" and sent[0].attachments == (pasted,)
    assert not box.strip.isVisible()


def test_dropped_files_and_images_are_attached_and_a_binary_file_is_refused_with_its_name(
        qtbot: QtBot, composer: tuple[PromptInput, list[Message], list[str]], folder: Path) -> None:
    box, _, refused = composer
    picture = folder / "photo.jpg"
    picture.write_bytes(PNG)  # a lying extension: the type comes from the bytes
    qtbot.keyClicks(box, "keep this text")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder / "src")), QUrl.fromLocalFile(str(picture)),
                  QUrl.fromLocalFile(str(folder / "build" / "out.bin"))])
    (folder / "build" / "out.bin").write_bytes(b"\x00\x01binary")
    drop(box, mime)
    assert [(a.kind, a.name, a.mime_type) for a in box.attachments()] == [
        (AttachmentKind.FOLDER, "src", ""), (AttachmentKind.IMAGE, "photo.jpg", "image/png")]
    assert refused == ["out.bin is a binary file that is not an image: gemini cannot read it."]
    assert box.toPlainText() == "keep this text"
    box.setFocus()
    box.moveCursor(box.textCursor().MoveOperation.Start)
    qtbot.keyClick(box, Qt.Key.Key_Backspace)  # at the very start: the last attachment goes
    assert [a.name for a in box.attachments()] == ["src"]


def test_without_a_working_folder_the_composer_stays_text_only(qtbot: QtBot) -> None:
    box = PromptInput()
    qtbot.addWidget(box)
    texts: list[str] = []
    box.submitted.connect(texts.append)
    mime = QMimeData()
    mime.setImageData(QImage(4, 4, QImage.Format.Format_RGB32))
    assert not box.canInsertFromMimeData(mime)
    box.insertFromMimeData(mime)
    qtbot.keyClicks(box, "mail me @home")
    assert not box.picker.popup().isVisible()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert texts == ["mail me @home"] and box.attachments() == ()


def test_the_attach_button_s_dialog_adds_the_chosen_files_and_hidden_entries_need_a_dot(
        qtbot: QtBot, composer: tuple[PromptInput, list[Message], list[str]], folder: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    box, _, _ = composer
    (folder / ".env").write_text("SECRET=1")
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *args: ([str(folder / "README.md"), str(folder / "src" / "app.py")], ""))
    box.choose_attachments()
    assert [a.name for a in box.attachments()] == ["README.md", "app.py"]
    qtbot.keyClicks(box, "@e")
    qtbot.waitUntil(lambda: "README.md" in box.picker.model().stringList(), timeout=5000)
    assert ".env" not in box.picker.model().stringList()
    qtbot.keyClick(box, Qt.Key.Key_Backspace)
    qtbot.keyClicks(box, ".en")
    qtbot.waitUntil(lambda: ".env" in box.picker.model().stringList(), timeout=5000)
