"""The hover bar of per-message actions (pytest-qt): it appears over the message under the mouse with that
message's actions (the same as its context menu), its icon buttons have names, copy works, the rest reach the
view; and the keyboard opens it (Alt+A), moves in it and closes it."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtWidgets import QApplication, QMenu, QTextBrowser
from pytestqt.qtbot import QtBot

from gemini_desktop.ui.transcript import TranscriptView
from gemini_desktop.ui.transcript.message_menu import add_message_actions, message_at


def conversation(qtbot: QtBot) -> TranscriptView:
    view = TranscriptView()
    qtbot.addWidget(view)
    view.resize(700, 500)
    view.show()
    model = view.model
    model.add_user_message("make **two** files")
    answer = model.begin_assistant_message()
    model.append_text(answer, "Made *both*.")
    model.expect_snapshot(answer, "turn-1", "/work")
    model.finish_message(answer)
    model.snapshot_taken("turn-1", ["a.txt", "b.txt"], [])
    return view


def browser_of(view: TranscriptView) -> QTextBrowser:
    browser = view.findChild(QTextBrowser, "transcriptDocument")
    assert browser is not None
    return browser


def hover(view: TranscriptView, needle: str) -> None:
    browser = browser_of(view)
    cursor = browser.textCursor()
    cursor.setPosition(browser.toPlainText().index(needle) + 1)
    point = browser.cursorRect(cursor).center()
    move = QMouseEvent(QEvent.Type.MouseMove, QPointF(point), QPointF(browser.viewport().mapToGlobal(point)),
                       Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(browser.viewport(), move)


def test_the_bar_follows_the_mouse_and_offers_that_messages_actions(qtbot: QtBot) -> None:
    view = conversation(qtbot)
    bar = view.action_bar
    chosen: list[tuple[str, int]] = []
    view.message_action.connect(lambda action, key: chosen.append((action, key)))
    qtbot.waitUntil(lambda: "Made both." in browser_of(view).toPlainText())
    assert not bar.isVisible()

    hover(view, "Made both")
    assert bar.isVisible() and list(bar.buttons) == ["copy", "copy-plain", "retry", "undo"]
    answer_key = bar.key
    assert all(button.accessibleName() and not button.icon().isNull() for button in bar.buttons.values())
    assert bar.buttons["undo"].accessibleName() == "Undo this turn's changes"
    menu = QMenu()  # the context menu offers the same, by the same labels
    add_message_actions(menu, view.model, answer_key or 0, lambda _text: None, lambda _a, _k: None)
    assert [a.text() for a in menu.actions() if a.text()] == [b.toolTip() for b in bar.buttons.values()]
    qtbot.mouseClick(bar.buttons["copy"], Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == "Made *both*."
    hover(view, "Made both")
    qtbot.mouseClick(bar.buttons["copy-plain"], Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text().strip() == "Made both."
    hover(view, "Made both")
    qtbot.mouseClick(bar.buttons["undo"], Qt.MouseButton.LeftButton)
    assert chosen == [("undo", answer_key)]

    hover(view, "make two")
    assert list(bar.buttons) == ["copy", "copy-plain", "edit"] and bar.key != answer_key
    qtbot.mouseClick(bar.buttons["edit"], Qt.MouseButton.LeftButton)
    assert chosen[-1] == ("edit", bar_key_of(view, "make two"))
    QApplication.sendEvent(browser_of(view).viewport(), QEvent(QEvent.Type.Leave))
    assert not bar.isVisible()

    [turn] = [e for e in view.model.entries if type(e).__name__ == "TurnEdits"]
    view.model.mark_turn(turn, (), undone=True)
    hover(view, "Made both")
    assert "redo" in bar.buttons and "undo" not in bar.buttons


def bar_key_of(view: TranscriptView, needle: str) -> int | None:
    browser = browser_of(view)
    return message_at(browser.document(), browser.toPlainText().index(needle) + 1)


def test_the_keyboard_opens_the_bar_moves_in_it_runs_an_action_and_closes_it(qtbot: QtBot) -> None:
    view = conversation(qtbot)
    browser = browser_of(view)
    bar = view.action_bar
    chosen: list[tuple[str, int]] = []
    view.message_action.connect(lambda action, key: chosen.append((action, key)))
    qtbot.waitUntil(lambda: "Made both." in browser.toPlainText())
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    browser.setFocus()
    qtbot.keyClick(browser, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    assert bar.isVisible() and bar.buttons["copy"].hasFocus()
    last = list(bar.buttons)[-1]  # "undo" on the answer, "edit" on the message (wherever the pointer is)
    qtbot.keyClick(bar.buttons["copy"], Qt.Key.Key_Left)
    assert bar.buttons[last].hasFocus()
    qtbot.keyClick(bar.buttons[last], Qt.Key.Key_Space)
    assert chosen and chosen[-1][0] == last
    qtbot.keyClick(bar.buttons[last], Qt.Key.Key_Escape)
    assert not bar.isVisible() and browser.hasFocus()
