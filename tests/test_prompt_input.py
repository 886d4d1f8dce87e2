"""The message box on its own: keys, recall, slash-command completion, and pasting big or rich text."""

from __future__ import annotations

import itertools
import time

from PySide6.QtCore import QMimeData, Qt, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gemini_desktop.engine.events import SlashCommand
from gemini_desktop.ui.prompt_input import PromptInput


def make_input(qtbot: QtBot) -> tuple[PromptInput, list[str]]:
    box = PromptInput()
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    sent: list[str] = []
    box.submitted.connect(sent.append)
    return box, sent


def test_enter_sends_and_shift_enter_breaks_the_line(qtbot: QtBot) -> None:
    box, sent = make_input(qtbot)
    qtbot.keyClicks(box, "first line")
    qtbot.keyClick(box, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(box, "second line")
    assert sent == []
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert sent == ["first line\nsecond line"]
    assert box.toPlainText() == ""


def test_blank_text_is_not_sent(qtbot: QtBot) -> None:
    box, sent = make_input(qtbot)
    qtbot.keyClicks(box, "   ")
    qtbot.keyClick(box, Qt.Key.Key_Enter)
    assert sent == []


def test_up_recalls_sent_messages_and_down_goes_forward(qtbot: QtBot) -> None:
    box, _ = make_input(qtbot)
    for text in ("one", "two", "three"):
        qtbot.keyClicks(box, text)
        qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.toPlainText() == "three"
    qtbot.keyClick(box, Qt.Key.Key_Up)
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.toPlainText() == "one"
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.toPlainText() == "one"
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.toPlainText() == "two"
    qtbot.keyClick(box, Qt.Key.Key_Down)
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert box.toPlainText() == ""


def test_up_in_a_draft_moves_the_cursor_instead_of_recalling(qtbot: QtBot) -> None:
    box, _ = make_input(qtbot)
    qtbot.keyClicks(box, "sent")
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.keyClicks(box, "draft")
    qtbot.keyClick(box, Qt.Key.Key_Up)
    assert box.toPlainText() == "draft"


def test_slash_commands_complete_in_a_popup(qtbot: QtBot) -> None:
    box, sent = make_input(qtbot)
    box.set_commands([SlashCommand("memory", "Manage memory"), SlashCommand("init"), SlashCommand("mcp")])
    qtbot.keyClicks(box, "/m")
    popup = box.completer.popup()
    qtbot.waitUntil(popup.isVisible, timeout=3000)
    shown = [box.completer.completionModel().index(row, 0).data() for row in range(box.completer.completionCount())]
    assert shown == ["/mcp", "/memory"]
    qtbot.keyClick(box, "e")
    assert box.completer.completionCount() == 1
    box.completer.activated.emit("/memory")
    assert box.toPlainText() == "/memory "
    assert not popup.isVisible()
    assert sent == []


def test_no_popup_for_ordinary_text(qtbot: QtBot) -> None:
    box, _ = make_input(qtbot)
    box.set_commands([SlashCommand("memory")])
    qtbot.keyClicks(box, "me and /memory")
    assert not box.completer.popup().isVisible()


def test_rich_paste_inserts_plain_text_only(qtbot: QtBot) -> None:
    box, _ = make_input(qtbot)
    mime = QMimeData()
    mime.setHtml("<b>bold</b> <img src='x'>")
    mime.setText("bold")
    box.insertFromMimeData(mime)
    assert box.toPlainText() == "bold"
    image_only = QMimeData()
    image_only.setHtml("<img src='x'>")
    assert not box.canInsertFromMimeData(image_only)


def test_pasting_a_megabyte_keeps_the_event_loop_responsive(qtbot: QtBot) -> None:
    box, sent = make_input(qtbot)
    text = ("0123456789 abcdefghij " * 4 + "\n") * 11_500  # ~1 MB in 89-char lines
    assert len(text) > 1_000_000
    QApplication.clipboard().setText(text)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    started = time.monotonic()
    box.paste()
    pasted = time.monotonic() - started
    qtbot.wait(300)
    timer.stop()
    assert box.toPlainText() == text
    assert pasted < 5.0, f"paste blocked the UI for {pasted:.1f} s"
    gaps = [later - earlier for earlier, later in itertools.pairwise(ticks)]
    assert ticks and max(gaps, default=0.0) < 1.0, "the event loop stalled after the paste"
    qtbot.keyClick(box, Qt.Key.Key_Return)
    assert sent == [text]
