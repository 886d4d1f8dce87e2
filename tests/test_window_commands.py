"""The command palette, the shortcuts sheet and the transcript zoom, on a real window (gemini not installed)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from gemini_desktop.settings import AppSettings
from gemini_desktop.ui.command_palette import CommandPalette, ShortcutsSheet, match_score, search
from tests import test_main_window
from tests.test_main_window import WindowFactory

make_window = test_main_window.make_window  # the fixtures: a window whose gemini cannot be found
settings_path = test_main_window.settings_path


def native(text: str) -> str:
    return QKeySequence(text).toString(QKeySequence.SequenceFormat.NativeText)


def test_matching_prefers_a_substring_then_letters_in_order() -> None:
    assert match_score("conv", "New conversation") == 4
    assert match_score("nc", "New conversation") is not None
    assert match_score("zq", "New conversation") is None
    assert match_score("", "anything") == 0


def test_the_palette_lists_every_action_with_its_shortcuts_and_runs_the_chosen_one(
        make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    palette = window.commands.show_palette()
    qtbot.waitUntil(palette.isVisible)
    shown = {command.text: command.shortcut for command in palette.shown()}
    assert shown["New conversation"] == f"{native('Ctrl+N')}, {native('Ctrl+T')}"
    assert shown["Command palette"] == f"{native('Ctrl+Shift+P')}, {native('Ctrl+K')}"
    assert {"Quit", "History", "Zoom in", "Keyboard shortcuts", "Find in conversation"} <= set(shown)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is palette.query)
    qtbot.keyClicks(palette.query, "histo")
    assert palette.chosen() is not None and palette.chosen().text == "History"
    visible = window.sidebar.isVisible()
    qtbot.keyClick(palette.query, Qt.Key.Key_Return)
    assert not palette.isVisible()
    assert window.sidebar.isVisible() is not visible  # the History toggle ran


def test_up_and_down_choose_in_the_list_while_the_keyboard_stays_in_the_field(
        make_window: WindowFactory, qtbot: QtBot) -> None:
    window = make_window()
    palette = window.commands.show_palette()
    qtbot.keyClicks(palette.query, "conversation")
    first = palette.chosen()
    qtbot.keyClick(palette.query, Qt.Key.Key_Down)
    assert palette.chosen() is not first and palette.list.currentRow() == 1
    qtbot.keyClick(palette.query, Qt.Key.Key_Escape)
    assert not palette.isVisible()


def test_ctrl_k_and_ctrl_shift_p_open_the_palette_and_ctrl_slash_the_sheet(make_window: WindowFactory) -> None:
    window = make_window()
    commands = window.commands
    assert {native("Ctrl+Shift+P"), native("Ctrl+K")} <= {
        key.toString(QKeySequence.SequenceFormat.NativeText) for key in commands.palette_action.shortcuts()}
    assert commands.shortcuts_action.shortcut() == QKeySequence("Ctrl+/")
    commands.palette_action.trigger()
    assert window.findChild(CommandPalette) is not None
    window.findChild(CommandPalette).reject()
    commands.shortcuts_action.trigger()
    sheet = window.findChild(ShortcutsSheet)
    assert sheet is not None
    rows = {sheet.table.item(row, 0).text(): sheet.table.item(row, 1).text() for row in range(sheet.table.rowCount())}
    assert rows["Keyboard shortcuts"] == native("Ctrl+/")
    assert rows["Quit"] == native("Ctrl+Q")
    assert "About Gemini Desktop" not in rows  # no shortcut: not in the sheet
    sheet.reject()


def test_search_also_finds_a_command_by_its_shortcut(make_window: WindowFactory) -> None:
    window = make_window()
    found = search(window.commands.show_palette()._commands, native("Ctrl+Q"))
    assert found[0].text == "Quit"


def test_zoom_is_applied_to_every_transcript_and_kept(make_window: WindowFactory, settings_path: object) -> None:
    window = make_window()
    commands = window.commands
    commands.zoom_in_action.trigger()
    commands.zoom_in_action.trigger()
    assert abs(window.transcript.zoom() - 1.2) < 0.02
    assert AppSettings(settings_path).transcript_zoom == 2  # type: ignore[arg-type]
    other = window.new_session()
    assert abs(other.transcript.zoom() - 1.2) < 0.02  # a new conversation opens at the same size
    commands.zoom_out_action.trigger()
    assert abs(window.transcript.zoom() - 1.1) < 0.02
    for _ in range(20):
        commands.zoom_out_action.trigger()
    assert AppSettings(settings_path).transcript_zoom == -5  # type: ignore[arg-type]  # bounded
    commands.zoom_reset_action.trigger()
    assert abs(window.transcript.zoom() - 1.0) < 0.01
    commands.zoom_in_action.trigger()
    window.close()
    reopened = make_window()
    assert abs(reopened.transcript.zoom() - 1.1) < 0.02
