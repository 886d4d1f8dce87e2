"""Find in the conversation: matches are marked and stepped through, wrapping, in Chinese too; Esc closes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from gemini_desktop.ui.find_bar import FindBar
from gemini_desktop.ui.transcript import HISTORY_PAGE, TranscriptView


class Window(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.transcript = TranscriptView(self)
        self.find_bar = FindBar(self.transcript, self)
        layout = QVBoxLayout(self)
        layout.addWidget(self.transcript, 1)
        layout.addWidget(self.find_bar)


@pytest.fixture
def window(qtbot: QtBot) -> Iterator[Window]:
    shown = Window()
    qtbot.addWidget(shown)
    shown.resize(700, 400)
    shown.show()
    qtbot.waitExposed(shown)
    yield shown


def selected(window: Window) -> str:
    return window.transcript._browser.textCursor().selectedText()


def selected_message(window: Window) -> str:
    return window.transcript._browser.textCursor().block().text()


def marks(window: Window) -> int:
    return len(window.transcript._browser.extraSelections())


def conversation(count: int) -> list[tuple[str, str, str]]:
    return [("user" if i % 2 == 0 else "assistant", f"Message {i} mentions the Needle and 会话 {i}", "complete")
            for i in range(count)]


def test_typing_marks_every_match_and_enter_steps_through_them_wrapping(window: Window, qtbot: QtBot) -> None:
    window.transcript.model.load_history(conversation(3))
    window.find_bar.open()
    assert window.find_bar.field.hasFocus()
    qtbot.keyClicks(window.find_bar.field, "needle")
    assert window.find_bar.status.text() == "1 of 3"
    assert selected(window) == "Needle" and marks(window) == 3
    assert selected_message(window).startswith("Message 0")
    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Return)
    assert window.find_bar.status.text() == "2 of 3" and selected_message(window).startswith("Message 1")
    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Return)
    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Return)
    assert window.find_bar.status.text() == "1 of 3", "after the last match comes the first"
    qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    assert window.find_bar.status.text() == "3 of 3" and selected_message(window).startswith("Message 2")


def test_chinese_and_no_match(window: Window, qtbot: QtBot) -> None:
    window.transcript.model.load_history(conversation(2))
    window.find_bar.open()
    window.find_bar.field.insert("会话 1")  # as an input method commits it (QTest types ASCII only)
    assert window.find_bar.status.text() == "1 of 1" and selected(window) == "会话 1"
    qtbot.keyClicks(window.find_bar.field, "x")
    assert window.find_bar.status.text() == "No matches" and selected(window) == "" and marks(window) == 0


def test_esc_closes_the_bar_and_clears_the_marks(window: Window, qtbot: QtBot) -> None:
    window.transcript.model.load_history(conversation(2))
    window.find_bar.open()
    qtbot.keyClicks(window.find_bar.field, "needle")
    with qtbot.waitSignal(window.find_bar.closed):
        qtbot.keyClick(window.find_bar.field, Qt.Key.Key_Escape)
    assert window.find_bar.isHidden() and marks(window) == 0 and selected(window) == ""
    window.find_bar.open()
    assert window.find_bar.field.selectedText() == "needle" and window.find_bar.status.text() == "1 of 2"


def test_find_reaches_a_message_that_is_not_laid_out_and_brings_it_into_view(window: Window, qtbot: QtBot) -> None:
    window.transcript.model.load_history(conversation(HISTORY_PAGE + 4))
    assert window.transcript.earlier_count() == 4
    window.find_bar.open()
    qtbot.keyClicks(window.find_bar.field, "message 2 ")
    assert window.find_bar.status.text() == "1 of 1" and selected_message(window).startswith("Message 2 ")
    assert window.transcript.earlier_count() == 2  # the page holding the match, not the whole conversation
    browser = window.transcript._browser
    assert browser.viewport().rect().contains(browser.cursorRect())  # the match is on screen
    window.find_bar.field.selectAll()
    qtbot.keyClicks(window.find_bar.field, "needle")
    assert window.find_bar.status.text().endswith(f"of {HISTORY_PAGE + 4}")  # the hidden ones are counted
