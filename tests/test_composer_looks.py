"""The composer's icon buttons sit inside its frame with names a screen reader says; the empty conversation
offers example prompts that fill the composer (never send) and names the working folder."""

from __future__ import annotations

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from gemini_desktop.ui.empty_state import example_prompts
from tests import test_main_window
from tests.test_main_window import WindowFactory

make_window = test_main_window.make_window  # the fixtures: a window whose gemini cannot be found
settings_path = test_main_window.settings_path


def test_attach_send_and_stop_are_icon_buttons_inside_the_composer(make_window: WindowFactory) -> None:
    window = make_window()
    view = window.view
    for button, name in ((view.attach_button, "Attach files or images"), (view.send_button, "Send message"),
                         (view.stop_button, "Stop the answer")):
        assert view.composer.isAncestorOf(button)
        assert not button.icon().isNull() and button.text() == ""
        assert button.accessibleName() == name and button.toolTip()
    assert view.composer.isAncestorOf(view.prompt)
    assert view.prompt.geometry().bottom() < view.send_button.geometry().top()  # the buttons below the text
    assert not view.stop_button.isVisible()  # nothing to stop
    view.stop_button.setEnabled(True)  # as the view does while an answer streams
    assert view.stop_button.isVisible()


def test_an_example_prompt_fills_the_composer_and_sends_nothing(make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    welcome = window.transcript.welcome
    assert welcome.isVisible()
    assert str(window.view.folder) in welcome.folder_label.text()
    assert [button.text() for button in welcome.examples] == example_prompts()
    qtbot.mouseClick(welcome.examples[1], Qt.MouseButton.LeftButton)
    assert window.prompt.toPlainText() == example_prompts()[1]
    assert window.prompt.textCursor().atEnd() and window.prompt.hasFocus()
    assert window.transcript.model.entries == [] and welcome.isVisible()  # nothing was sent
